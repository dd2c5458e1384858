"""Names for ``bench/european_eval.py``: each place and person, and how seven languages write it.

For each name: the English spelling (the English query), the Ukrainian and
Russian nominatives (the Cyrillic queries), other Latin spellings that any of
the languages may print as they are (older English forms, the newspaper
transliterations), and per language (``de fr it nl pl cs es``):

* ``own``: the nominatives that language's press prints, the "own exonym"
  queries (Charkiw, Charków, Charkov, Járkov; Kiew and Kyjiw);
* ``cases``: the inflected forms that count as a mention: German and Dutch
  genitive -s, the six other cases of Polish and Czech (with their stem
  alternations: Bachmut -> w Bachmucie, Dniepr -> w Dnieprze, Kyjev -> v
  Kyjevě);
* ``variants``: other nominatives of the same name: older or other
  transliterations (Charkow, Selenskij, Zaporojie) and old names of the same
  place (Dnipropetrovsk, Artemivsk).

The evaluation reports a miss as a ``spelling`` when the word is one of the
nominatives (English, shared Latin, own, variants) and as a ``case form``
otherwise.

All of it was written from the languages' grammar and press usage, not
copied from the data. Reading the matches added a few spellings the press
uses that the first lists lacked (Polish Umierow, Spanish Avdíyivka, Dutch
Zaloezjnyj); the evaluation's labels (``bench/data/european_labels.tsv``)
then correct the rest document by document (false friends, misspellings). ``searchsvc`` must never import this module: it is the
answer key.

How a form is matched (``bench/european_eval.py`` implements it):

* diacritics are folded on both sides (Járkov = Jarkov, Łukaszenka =
  Lukaszenka), so a form is written once, with its accents;
* the first letter keeps its case, the rest is ignored: "Kijów" the city
  but not "kijów" (of sticks), "KIJÓW" in a shouted headline still counts;
* whole words only; a hyphen or an apostrophe before the word is a boundary
  (Kiew-Reise, d'Odessa), and an 's may follow (Odesa's);
* multi-word forms match with spaces or a hyphen between the words.

``stems`` are word beginnings (folded, lower case) of derived words: the
adjectives and compounds (kijowski, Kiewer, Krimbrücke, doněcký). A document
that holds such a word but no listed form is neutral: it is counted neither
right nor wrong. A longer word that begins with a nominative of 4 letters or
more is such a derived word too, so most stems need no listing. ``others``
are word beginnings that look derived but name something else (German
Krimi, Polish kryminalny, Dutch krimpen); they are ordinary words, and a
search that returns them is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

LANGS = ("de", "fr", "it", "nl", "pl", "cs", "es")


@dataclass(frozen=True)
class Spellings:
    """How one language writes one name: the nominatives its press prints (the queries), the
    inflected forms, and other spellings of the nominative (variants, old names)."""

    own: tuple[str, ...]
    cases: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.own + self.variants + self.cases))


@dataclass(frozen=True)
class Name:
    """A place or person of the war, the spellings to query and the forms that mention it."""

    key: str  # the English spelling: the name used in labels and reports
    kind: str  # "place" or "person"
    uk: str
    ru: str
    latin: tuple[str, ...]  # other spellings any language may print unchanged
    langs: Mapping[str, Spellings] = field(default_factory=dict)
    stems: tuple[str, ...] = ()
    others: tuple[str, ...] = ()

    @property
    def english(self) -> str:
        return self.key

    @property
    def cyrillic(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.uk, self.ru)))

    def own(self, lang: str) -> tuple[str, ...]:
        spellings = self.langs.get(lang)
        return spellings.own if spellings else ()

    def nominatives(self, lang: str) -> tuple[str, ...]:
        """Every uninflected spelling that counts in ``lang``: English, shared Latin, own, variants."""
        spellings = self.langs.get(lang)
        own = spellings.own + spellings.variants if spellings else ()
        return tuple(dict.fromkeys((self.key, *self.latin, *own)))

    def forms(self, lang: str) -> tuple[str, ...]:
        """Every form that mentions the name in ``lang``: the language's own, and the shared Latin ones."""
        spellings = self.langs.get(lang)
        own = spellings.forms if spellings else ()
        return tuple(dict.fromkeys((self.key, *self.latin, *own)))


def _split(text: str) -> tuple[str, ...]:
    # Comma-separated, so that multi-word names ("Czasiw Jar") need no quoting.
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _name(kind: str, key: str, cyrillic: str, latin: str, spellings: Mapping[str, str], **extra: str) -> Name:
    uk, _, ru = cyrillic.partition("/")
    langs = {}
    for lang, text in spellings.items():
        own, cases, variants = (text.split(";") + ["", ""])[:3]
        langs[lang] = Spellings(_split(own), _split(cases), _split(variants))
    return Name(
        key,
        kind,
        uk.strip(),
        (ru or uk).strip(),
        _split(latin),
        langs,
        stems=_split(extra.get("stems", "")),
        others=_split(extra.get("others", "")),
    )


def _place(key: str, cyrillic: str, latin: str = "", **spellings: str) -> Name:
    extra = {k: spellings.pop(k) for k in ("stems", "others") if k in spellings}
    return _name("place", key, cyrillic, latin, spellings, **extra)


def _person(key: str, cyrillic: str, latin: str = "", **spellings: str) -> Name:
    extra = {k: spellings.pop(k) for k in ("stems", "others") if k in spellings}
    return _name("person", key, cyrillic, latin, spellings, **extra)


# Per language: "own nominatives; inflected forms; other spellings" (each comma-separated).
PLACES: tuple[Name, ...] = (
    _place(
        "Kyiv",
        "Київ/Киев",
        "Kiev",
        de="Kiew, Kyjiw; Kiews, Kyjiws",
        fr="Kiev, Kyiv",
        it="Kiev, Kyiv",
        nl="Kyiv, Kiev; Kyivs, Kievs",
        pl="Kijów; Kijowa, Kijowowi, Kijowem, Kijowie",
        cs="Kyjev; Kyjeva, Kyjevu, Kyjevě, Kyjeve, Kyjevem, Kijeva, Kijevu, Kijevě, Kijevem; Kijev, Kyjiv",
        es="Kiev",
        others="kiewel, kieweg, kievit",
    ),
    _place(
        "Kharkiv",
        "Харків/Харьков",
        "Kharkov",
        de="Charkiw; Charkiws, Charkows; Charkow",
        fr="Kharkiv",
        it="Kharkiv; ; Charkiv",
        nl="Charkiv, Kharkiv; Charkivs; Charkov",
        pl="Charków; Charkowa, Charkowowi, Charkowem, Charkowie",
        cs="Charkov; Charkova, Charkovu, Charkově, Charkovem, Charkivu, Charkivě; Charkiv",
        es="Járkov; ; Jarkiv",
    ),
    _place(
        "Odesa",
        "Одеса/Одесса",
        "Odessa",
        de="Odessa; Odessas; Odesa",
        fr="Odessa; ; Odesa",
        it="Odessa; ; Odesa",
        nl="Odesa, Odessa",
        pl="Odessa; Odessy, Odessie, Odessę, Odessą, Odesso, Odesy, Odesie, Odesę, Odesą; Odesa",
        cs="Oděsa; Oděsy, Oděse, Oděsu, Oděsou, Oděso",
        es="Odesa; ; Odessa",
        stems="odesk, odessk, odessit, odessan",
    ),
    _place(
        "Lviv",
        "Львів/Львов",
        "Lvov",
        de="Lwiw, Lemberg; Lwiws, Lembergs; Lwow",
        fr="Lviv; ; Lwów",
        it="Leopoli; ; Lviv",
        nl="Lviv; Lvivs; Lemberg",
        pl="Lwów; Lwowa, Lwowowi, Lwowem, Lwowie",
        cs="Lvov; Lvova, Lvovu, Lvově, Lvovem, Lvivu, Lvivě; Lviv",
        es="Leópolis; ; Lviv",
        others="lwowa, lwowej, lvova",
    ),
    _place(
        "Dnipro",
        "Дніпро/Днепр",
        "Dnipropetrovsk, Dnepropetrovsk",
        de="Dnipro; Dnipros; Dnipropetrowsk, Dnjepropetrowsk",
        fr="Dnipro; ; Dniepr, Dnipropetrovsk",
        it="Dnipro; ; Dnepr, Dnipropetrovsk",
        nl="Dnipro; ; Dnipropetrovsk",
        pl=(
            "Dniepr, Dnipro; Dniepru, Dnieprowi, Dnieprem, Dnieprze, Dniepropietrowska, "
            "Dniepropietrowsku, Dniepropietrowskiem; Dniepropietrowsk"
        ),
        cs=(
            "Dnipro; Dnipra, Dnipru, Dniprem, Dněpru, Dněpře, Dněprem, "
            "Dněpropetrovsku, Dněpropetrovska, Dněpropetrovskem; Dněpr, Dněpropetrovsk"
        ),
        es="Dnipró; ; Dnipro, Dniéper",
        stems="dniepropetrowsk",
    ),
    _place(
        "Zaporizhzhia",
        "Запоріжжя/Запорожье",
        "Zaporizhia, Zaporozhye, Zaporizhzhya",
        de="Saporischschja; Saporischschjas; Saporoschje",
        fr="Zaporijjia, Zaporijia; ; Zaporojie",
        it="Zaporizhzhia; ; Zaporizhia, Zaporozhye",
        nl="Zaporizja; ; Zaporizhzhia, Zaporozje",
        pl="Zaporoże; Zaporoża, Zaporożu, Zaporożem",
        cs="Záporoží; Záporožím; Zaporižžja",
        es="Zaporiyia; ; Zaporiya, Zaporozhie",
        stems="zaporosk, zaporoz, zaporiz, saporisch",
    ),
    _place(
        "Kherson",
        "Херсон/Херсон",
        "",
        de="Cherson; Chersons",
        fr="Kherson",
        it="Kherson; ; Cherson",
        nl="Cherson, Kherson; Chersons",
        pl="Chersoń; Chersonia, Chersoniowi, Chersoniem, Chersoniu, Chersonu, Chersonie, Chersonem; Cherson",
        cs="Cherson; Chersonu, Chersonem",
        es="Jersón",
        others="chersones, chersonez",
    ),
    _place(
        "Mykolaiv",
        "Миколаїв/Николаев",
        "Nikolaev, Nikolayev",
        de="Mykolajiw; Mykolajiws; Nikolajew",
        fr="Mykolaïv; ; Mykolaiv, Nikolaïev",
        it="Mykolaiv; ; Mykolaïv",
        nl="Mykolajiv; ; Mykolaiv",
        pl="Mikołajów; Mikołajowa, Mikołajowowi, Mikołajowem, Mikołajowie; Mykołajów",
        cs="Mykolajiv; Mykolajivu, Mykolajivem, Mykolajeva, Nikolajeva, Nikolajevu, Nikolajevě; Nikolajev",
        es="Mykolaiv; ; Nikoláyev",
        others="mikolajowi",
    ),
    _place(
        "Mariupol",
        "Маріуполь/Мариуполь",
        "",
        de="Mariupol; Mariupols",
        fr="Marioupol",
        it="Mariupol",
        nl="Marioepol; ; Mariupol",
        pl="Mariupol; Mariupola, Mariupolowi, Mariupolem, Mariupolu",
        cs="Mariupol; Mariupolu, Mariupolem, Mariupoli",
        es="Mariúpol",
    ),
    _place(
        "Bakhmut",
        "Бахмут/Бахмут",
        "Artemivsk, Artyomovsk",
        de="Bachmut; Bachmuts; Artjomowsk",
        fr="Bakhmout; ; Bakhmut",
        it="Bakhmut",
        nl="Bachmoet, Bakhmut",
        pl="Bachmut; Bachmutu, Bachmutowi, Bachmutem, Bachmucie; Artiomowsk",
        cs="Bachmut; Bachmutu, Bachmutem",
        es="Bajmut",
        stems="bachmuck",
        others="bachmutk",
    ),
    _place(
        "Avdiivka",
        "Авдіївка/Авдеевка",
        "Avdeyevka",
        de="Awdijiwka; Awdijiwkas; Awdejewka",
        fr="Avdiïvka; ; Avdiivka",
        it="Avdiivka",
        nl="Avdiivka; ; Avdijivka",
        pl=(
            "Awdijiwka; Awdijiwki, Awdijiwce, Awdijiwkę, Awdijiwką, Awdijówki, Awdijówce, "
            "Awdijówkę, Awdijówką, Awdiejewki, Awdiejewce; Awdijówka, Awdiejewka"
        ),
        cs="Avdijivka; Avdijivky, Avdijivce, Avdijivku, Avdijivkou, Avdějevky, Avdějevce; Avdějevka",
        es="Avdiivka; ; Avdiívka, Avdíyivka",
    ),
    _place(
        "Sloviansk",
        "Слов'янськ/Славянск",
        "Slovyansk, Slavyansk",
        de="Slowjansk; Slowjansks; Slawjansk",
        fr="Sloviansk; ; Slaviansk",
        it="Sloviansk; ; Slovyansk",
        nl="Slovjansk; ; Sloviansk",
        pl="Słowiańsk; Słowiańska, Słowiańskowi, Słowiańskiem, Słowiańsku",
        cs="Slovjansk; Slovjansku, Slovjanska, Slovjanskem; Slavjansk",
        es="Sloviansk; ; Slaviansk",
    ),
    _place(
        "Kramatorsk",
        "Краматорськ/Краматорск",
        "",
        de="Kramatorsk; Kramatorsks",
        fr="Kramatorsk",
        it="Kramatorsk",
        nl="Kramatorsk",
        pl="Kramatorsk; Kramatorska, Kramatorskowi, Kramatorskiem, Kramatorsku",
        cs="Kramatorsk; Kramatorsku, Kramatorska, Kramatorskem",
        es="Kramatorsk",
    ),
    _place(
        "Donetsk",
        "Донецьк/Донецк",
        "",
        de="Donezk; Donezks; Donetsk",
        fr="Donetsk",
        it="Donetsk",
        nl="Donetsk",
        pl="Donieck; Doniecka, Donieckowi, Donieckiem, Doniecku",
        cs="Doněck; Doněcku, Doněcka, Doněckem",
        es="Donetsk",
    ),
    _place(
        "Luhansk",
        "Луганськ/Луганск",
        "Lugansk",
        de="Luhansk; Luhansks",
        fr="Louhansk; ; Lougansk",
        it="Lugansk; ; Luhansk",
        nl="Loehansk; ; Luhansk",
        pl="Ługańsk; Ługańska, Ługańskowi, Ługańskiem, Ługańsku",
        cs="Luhansk; Luhansku, Luhanska, Luhanskem",
        es="Lugansk; ; Luhansk",
    ),
    _place(
        "Bucha",
        "Буча/Буча",
        "",
        de="Butscha",
        fr="Boutcha",
        it="Bucha",
        nl="Boetsja; Bucha",
        pl="Bucza; Buczy, Buczę, Buczą, Buczo",
        cs="Buča; Buči, Buču, Bučou",
        es="Bucha",
        others="buchaj, buchau, buchan, buchar, buchh",
    ),
    _place(
        "Irpin",
        "Ірпінь/Ирпень",
        "Irpen",
        de="Irpin",
        fr="Irpin; ; Irpine",
        it="Irpin",
        nl="Irpin",
        pl="Irpień; Irpienia, Irpieniowi, Irpieniem, Irpieniu",
        cs="Irpiň; Irpině, Irpini, Irpiní, Irpeně, Irpeni, Irpení; Irpeň",
        es="Irpín",
        others="irpino, irpinia",
    ),
    _place(
        "Sumy",
        "Суми/Сумы",
        "",
        de="Sumy",
        fr="Soumy",
        it="Sumy",
        nl="Soemy",
        pl="Sumy; Sum, Sumom, Sumami, Sumach",
        cs="Sumy; Sum, Sumám, Sumech, Sumami",
        es="Sumy",
    ),
    _place(
        "Chernihiv",
        "Чернігів/Чернигов",
        "Chernigov",
        de="Tschernihiw; ; Tschernigow",
        fr="Tchernihiv; ; Tchernigov",
        it="Chernihiv",
        nl="Tsjernihiv",
        pl="Czernihów; Czernihowa, Czernihowowi, Czernihowem, Czernihowie",
        cs="Černihiv; Černihivu, Černihova, Černihovu, Černihově, Černihovem; Černigov",
        es="Chernígov; ; Chernihiv",
    ),
    _place(
        "Pokrovsk",
        "Покровськ/Покровск",
        "",
        de="Pokrowsk",
        fr="Pokrovsk",
        it="Pokrovsk",
        nl="Pokrovsk",
        pl="Pokrowsk; Pokrowska, Pokrowskowi, Pokrowskiem, Pokrowsku",
        cs="Pokrovsk; Pokrovsku, Pokrovska, Pokrovskem",
        es="Pokrovsk",
    ),
    _place(
        "Izium",
        "Ізюм/Изюм",
        "Izyum",
        de="Isjum",
        fr="Izioum",
        it="Izyum; ; Izium",
        nl="Izjoem; ; Izjum",
        pl="Izium; Iziumu, Iziumowi, Iziumem, Iziumie, Izjumu, Izjumie, Izjumem; Izjum",
        cs="Izjum; Izjumu, Izjumem",
        es="Izium",
    ),
    _place(
        "Melitopol",
        "Мелітополь/Мелитополь",
        "",
        de="Melitopol; Melitopols",
        fr="Melitopol; ; Mélitopol",
        it="Melitopol",
        nl="Melitopol",
        pl="Melitopol; Melitopola, Melitopolowi, Melitopolem, Melitopolu",
        cs="Melitopol; Melitopolu, Melitopolem",
        es="Melitópol",
    ),
    _place(
        "Crimea",
        "Крим/Крым",
        "",
        de="Krim",
        fr="Crimée",
        it="Crimea",
        nl="Krim",
        pl="Krym; Krymu, Krymowi, Krymem, Krymie",
        cs="Krym; Krymu, Krymem",
        es="Crimea",
        others="krimi, krimp, krymin",
    ),
    _place(
        "Donbas",
        "Донбас/Донбасс",
        "Donbass",
        de="Donbass; ; Donbas",
        fr="Donbass",
        it="Donbass; ; Donbas",
        nl="Donbas; ; Donbass",
        pl="Donbas; Donbasu, Donbasowi, Donbasem, Donbasie",
        cs="Donbas; Donbasu, Donbase, Donbasem; Donbass",
        es="Donbás; ; Donbass",
    ),
    _place(
        "Vuhledar",
        "Вугледар/Угледар",
        "Ugledar",
        de="Wuhledar",
        fr="Vouhledar",
        it="Vuhledar",
        nl="Voehledar; ; Vuhledar",
        pl="Wuhłedar; Wuhłedaru, Wuhłedarowi, Wuhłedarem, Wuhłedarze",
        cs="Vuhledar; Vuhledaru, Vuhledarem",
        es="Vugledar; ; Vuhledar",
    ),
    _place(
        "Kupiansk",
        "Куп'янськ/Купянск",
        "Kupyansk",
        de="Kupjansk; Kupjansks",
        fr="Koupiansk",
        it="Kupiansk",
        nl="Koepjansk; ; Kupiansk",
        pl="Kupiańsk; Kupiańska, Kupiańskowi, Kupiańskiem, Kupiańsku",
        cs="Kupjansk; Kupjansku, Kupjanska, Kupjanskem",
        es="Kupiansk",
    ),
    _place(
        "Kakhovka",
        "Каховка/Каховка",
        "Nova Kakhovka",
        de="Kachowka; ; Nowa Kachowka",
        fr="Kakhovka; ; Nova Kakhovka",
        it="Kakhovka; ; Nova Kakhovka",
        nl="Kachovka, Kakhovka; ; Nova Kachovka",
        pl="Kachowka; Kachowki, Kachowce, Kachowkę, Kachowką; Nowa Kachowka",
        cs="Kachovka; Kachovky, Kachovce, Kachovku, Kachovkou; Nová Kachovka",
        es="Kajovka; ; Nueva Kajovka",
        stems="kachowsk, kakhovsk, kachovsk",
    ),
    _place(
        "Kostiantynivka",
        "Костянтинівка/Константиновка",
        "Kostyantynivka, Konstantinovka",
        de="Kostjantyniwka",
        fr="Kostiantynivka",
        it="Kostiantynivka",
        nl="Kostjantynivka; ; Kostiantynivka",
        pl="Konstantynówka; Konstantynówki, Konstantynówce, Konstantynówkę, Konstantynówką; Kostiantyniwka",
        cs="Kosťantynivka; Kosťantynivky, Kosťantynivce, Kosťantynivku, Kosťantynivkou",
        es="Kostiantinivka; ; Konstantínovka",
    ),
    _place(
        "Chasiv Yar",
        "Часів Яр/Часов Яр",
        "",
        de="Tschassiw Jar",
        fr="Tchassiv Iar; ; Chasiv Yar",
        it="Chasiv Yar",
        nl="Tsjasiv Jar; ; Chasiv Yar",
        pl="Czasiw Jar; Czasiw Jaru, Czasiw Jarze, Czasiw Jarem, Czasowego Jaru, Czasowym Jarze; Czasów Jar",
        cs="Časiv Jar; Časivu Jaru, Časiv Jaru",
        es="Chásiv Yar",
    ),
    _place(
        "Toretsk",
        "Торецьк/Торецк",
        "",
        de="Torezk",
        fr="Toretsk",
        it="Toretsk",
        nl="Toretsk",
        pl="Toreck; Torecka, Toreckowi, Toreckiem, Torecku",
        cs="Toreck; Torecku, Torecka, Toreckem",
        es="Toretsk",
    ),
    _place(
        "Severodonetsk",
        "Сєвєродонецьк/Северодонецк",
        "Sievierodonetsk, Sjeverodonetsk",
        de="Sjewjerodonezk; Sewerodonezk",
        fr="Severodonetsk; Sievierodonetsk",
        it="Severodonetsk",
        nl="Severodonetsk",
        pl="Siewierodonieck; Siewierodoniecka, Siewierodonieckowi, Siewierodonieckiem, Siewierodoniecku",
        cs="Severodoněck; Severodoněcku, Severodoněcka, Severodoněckem; Sjevjerodoněck",
        es="Severodonetsk",
    ),
)

PEOPLE: tuple[Name, ...] = (
    _person(
        "Zelensky",
        "Зеленський/Зеленский",
        "Zelenskyy, Zelenskiy, Zelenskyi",
        de="Selenskyj; Selenskyjs; Selenskij, Selenskyi, Selensky",
        fr="Zelensky; ; Zelenski",
        it="Zelensky; ; Zelenski",
        nl="Zelensky; ; Zelenski, Zelenskyj",
        pl="Zełenski; Zełenskiego, Zełenskiemu, Zełenskim; Zełenskyj",
        cs="Zelenskyj; Zelenského, Zelenskému, Zelenským, Zelenskym; Zelenskij",
        es="Zelenski; ; Zelensky",
        stems="zelensc",
        others="zelenska, zelenskiej, zelenskou",
    ),
    _person(
        "Putin",
        "Путін/Путин",
        "",
        de="Putin; Putins",
        fr="Poutine",
        it="Putin",
        nl="Poetin; Poetins",
        pl="Putin; Putina, Putinowi, Putinem, Putinie",
        cs="Putin; Putina, Putinovi, Putinem, Putine",
        es="Putin",
        others="putinowa",
    ),
    _person(
        "Zaluzhnyi",
        "Залужний/Залужный",
        "Zaluzhny, Zaluzhniy",
        de="Saluschnyj; Saluschnyjs; Saluschny",
        fr="Zaloujny; ; Zaloujnyi",
        it="Zaluzhny; ; Zaluzhnyi",
        nl="Zaloezjny; ; Zaloezjnyj, Zaluzhny",
        pl="Załużny; Załużnego, Załużnemu, Załużnym; Załużnyj",
        cs="Zalužnyj; Zalužného, Zalužnému, Zalužným",
        es="Zaluzhni; ; Zaluzhny",
    ),
    _person(
        "Syrskyi",
        "Сирський/Сырский",
        "Syrsky",
        de="Syrskyj; Syrskyjs; Syrskyi",
        fr="Syrsky; ; Syrskyi",
        it="Syrsky; ; Syrskyi",
        nl="Syrsky; ; Syrskyi",
        pl="Syrski; Syrskiego, Syrskiemu, Syrskim; Syrskyj",
        cs="Syrskyj; Syrského, Syrskému, Syrským",
        es="Sirski; ; Syrski",
    ),
    _person(
        "Klitschko",
        "Кличко/Кличко",
        "",
        de="Klitschko; Klitschkos",
        fr="Klitschko",
        it="Klitschko",
        nl="Klitschko",
        pl="Kliczko; Kliczki, Kliczce, Kliczkę, Kliczką, Kliczkowie, Kliczków",
        cs="Kličko; Klička, Kličkovi, Kličkem",
        es="Klitschko",
    ),
    _person(
        "Kuleba",
        "Кулеба/Кулеба",
        "",
        de="Kuleba; Kulebas",
        fr="Kouleba; ; Kuleba",
        it="Kuleba",
        nl="Koeleba; ; Kuleba",
        pl="Kułeba; Kułeby, Kułebie, Kułebę, Kułebą, Kuleby, Kulebie, Kulebę, Kulebą; Kuleba",
        cs="Kuleba; Kuleby, Kulebovi, Kulebu, Kulebou",
        es="Kuleba",
    ),
    _person(
        "Yermak",
        "Єрмак/Ермак",
        "",
        de="Jermak; Jermaks",
        fr="Iermak; ; Yermak",
        it="Yermak",
        nl="Jermak",
        pl="Jermak; Jermaka, Jermakowi, Jermakiem, Jermaku",
        cs="Jermak; Jermaka, Jermakovi, Jermakem",
        es="Yermak",
        others="jermakow, yermakov",
    ),
    _person(
        "Budanov",
        "Буданов/Буданов",
        "",
        de="Budanow; Budanows",
        fr="Boudanov",
        it="Budanov",
        nl="Boedanov; ; Budanov",
        pl="Budanow; Budanowa, Budanowowi, Budanowem, Budanowie",
        cs="Budanov; Budanova, Budanovovi, Budanovem",
        es="Budánov",
    ),
    _person(
        "Shmyhal",
        "Шмигаль/Шмыгаль",
        "",
        de="Schmyhal; Schmyhals",
        fr="Chmyhal",
        it="Shmyhal",
        nl="Sjmyhal; ; Shmyhal",
        pl="Szmyhal; Szmyhala, Szmyhalowi, Szmyhalem, Szmyhalu",
        cs="Šmyhal; Šmyhala, Šmyhalovi, Šmyhalem",
        es="Shmigal; ; Shmyhal",
    ),
    _person(
        "Umerov",
        "Умєров/Умеров",
        "",
        de="Umjerow; ; Umerow",
        fr="Oumerov; ; Umerov",
        it="Umerov",
        nl="Oemerov; ; Umerov",
        pl="Umerow; Umerowa, Umerowowi, Umerowem, Umerowie, Umierowa, Umierowowi, Umierowem, Umierowie; Umierow",
        cs="Umerov; Umerova, Umerovovi, Umerovem",
        es="Umérov",
    ),
    _person(
        "Lukashenko",
        "Лукашенко/Лукашенко",
        "Lukashenka",
        de="Lukaschenko; Lukaschenkos",
        fr="Loukachenko",
        it="Lukashenko",
        nl="Loekasjenko; ; Lukashenko",
        pl="Łukaszenka; Łukaszenki, Łukaszence, Łukaszenkę, Łukaszenką, Łukaszenkowi; Łukaszenko",
        cs="Lukašenko; Lukašenka, Lukašenkovi, Lukašenkem",
        es="Lukashenko",
    ),
    _person(
        "Prigozhin",
        "Пригожин/Пригожин",
        "",
        de="Prigoschin; Prigoschins",
        fr="Prigojine",
        it="Prigozhin",
        nl="Prigozjin; ; Prigozhin",
        pl="Prigożyn; Prigożyna, Prigożynowi, Prigożynem, Prigożynie",
        cs="Prigožin; Prigožina, Prigožinovi, Prigožinem",
        es="Prigozhin",
    ),
    _person(
        "Shoigu",
        "Шойгу/Шойгу",
        "",
        de="Schoigu; Schoigus",
        fr="Choïgou",
        it="Shoigu",
        nl="Sjojgoe; ; Shoigu",
        pl="Szojgu",
        cs="Šojgu",
        es="Shoigú",
    ),
    _person(
        "Lavrov",
        "Лавров/Лавров",
        "",
        de="Lawrow; Lawrows",
        fr="Lavrov",
        it="Lavrov",
        nl="Lavrov",
        pl="Ławrow; Ławrowa, Ławrowowi, Ławrowem, Ławrowie",
        cs="Lavrov; Lavrova, Lavrovovi, Lavrovem",
        es="Lavrov",
    ),
    _person(
        "Peskov",
        "Пєсков/Песков",
        "",
        de="Peskow; Peskows",
        fr="Peskov",
        it="Peskov",
        nl="Peskov",
        pl="Pieskow; Pieskowa, Pieskowowi, Pieskowem, Pieskowie",
        cs="Peskov; Peskova, Peskovovi, Peskovem",
        es="Peskov",
    ),
    _person(
        "Medvedev",
        "Медведєв/Медведев",
        "",
        de="Medwedew; Medwedews",
        fr="Medvedev",
        it="Medvedev",
        nl="Medvedev",
        pl="Miedwiediew; Miedwiediewa, Miedwiediewowi, Miedwiediewem, Miedwiediewie",
        cs="Medveděv; Medveděva, Medveděvovi, Medveděvem",
        es="Medvédev",
    ),
    _person(
        "Kadyrov",
        "Кадиров/Кадыров",
        "",
        de="Kadyrow; Kadyrows",
        fr="Kadyrov",
        it="Kadyrov",
        nl="Kadyrov",
        pl="Kadyrow; Kadyrowa, Kadyrowowi, Kadyrowem, Kadyrowie",
        cs="Kadyrov; Kadyrova, Kadyrovovi, Kadyrovem",
        es="Kadírov",
    ),
    _person(
        "Reznikov",
        "Резніков/Резников",
        "",
        de="Resnikow; Resnikows",
        fr="Reznikov",
        it="Reznikov",
        nl="Reznikov",
        pl="Reznikow; Reznikowa, Reznikowowi, Reznikowem, Reznikowie",
        cs="Reznikov; Reznikova, Reznikovovi, Reznikovem",
        es="Réznikov",
    ),
    _person(
        "Podolyak",
        "Подоляк/Подоляк",
        "Podoliak",
        de="Podoljak; Podoljaks",
        fr="Podoliak",
        it="Podolyak",
        nl="Podoljak; Podolyak",
        pl="Podolak; Podolaka, Podolakowi, Podolakiem, Podolaku; Podoljak",
        cs="Podoljak; Podoljaka, Podoljakovi, Podoljakem",
        es="Podoliak",
    ),
    _person(
        "Gerasimov",
        "Герасимов/Герасимов",
        "",
        de="Gerassimow; Gerassimows; Gerasimow",
        fr="Guerassimov; ; Gerasimov",
        it="Gerasimov",
        nl="Gerasimov",
        pl="Gierasimow; Gierasimowa, Gierasimowowi, Gierasimowem, Gierasimowie; Gerasimow",
        cs="Gerasimov; Gerasimova, Gerasimovovi, Gerasimovem",
        es="Guerásimov",
    ),
)

NAMES: tuple[Name, ...] = PLACES + PEOPLE
BY_KEY: dict[str, Name] = {n.key: n for n in NAMES}
