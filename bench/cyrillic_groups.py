"""Labelled groups for the Cyrillic part of ``bench/variants_eval.py``: names and their case forms.

Each group is one place or person of the Russian and Ukrainian news in
``shared/data/cyrillic_news``: the canonical (official English) name, the
Latin spellings a user may type, the Russian and Ukrainian nominatives
(current name first, then old names), and the noun case forms of each
language, written out. The Latin spellings and the nominatives are the
queries; the nominatives and case forms are the truth (see the evaluation's
docstring for the matching rule).

Fields that decide what is *not* the group:

* ``stems``: lower-case word beginnings. A whole word that starts with one
  but is no listed form is "the same stem, another word": an adjective
  ("Київський", "славянские"), a region ("Харківщина"), the inhabitants
  ("киевляне"), a compound ("Киево-Печерская" splits at the hyphen into
  "Киево"). A document holding only such words is neutral for the group:
  neither right nor wrong.
* ``ambiguous``: listed forms that in this data often name something else
  (see below). They stay in the lists and are still queried when they are
  nominatives, but a document holding only them is neutral.
* ``homonyms``: regular expressions (case-insensitive, on the normalised
  text) for phrases where a listed form names something else: another person
  with the surname, a feminine adjective before "область", another town
  spelled alike. A document where one occurs is neutral for the group, even
  if it also holds a listed form: word matching cannot tell which mention a
  search matched.
* ``others``: word beginnings under a stem that name something else and are
  spelled differently from every listed form ("Покровское", "Херсонес"). A
  document holding only them is an ordinary negative: a search that returns
  it is wrong.

Every form was counted in the data (title + body of the four sets, whole
words) and read in context, with the word before each occurrence tallied to
spot first names ("Юрия Буданова") and set phrases ("на купянском
направлении"). Forms that never occur are kept where they are the regular
declension, so a later data set finds them too. Groups were chosen among the
names that occur: the smallest (Syrskyi, Chasiv Yar, Pokrovsk, Toretsk,
Kostiantynivka) have 7 to 15 documents.

Traps found in the data, and what the lists do with them:

* Russian instrumental "-ском" of the "-ск" towns is also the adjective's
  prepositional: "на Покровском / Купянском / Донецком / Луганском / Курском
  / Торецком направлении", "в Красноармейском районе" (Volgograd), "на
  Покровском бульваре", "под Артемовском" vs "на артемовском направлении".
  Those forms are ``ambiguous``. Славянском and Краматорском are kept: each of
  their few occurrences here is the town ("под Славянском").
* Ukrainian genitive/locative "-ська/-ську" is also the feminine adjective:
  "Донецьку область", "Донецька ОВА", "Луганська ОДА", "Покровську громаду":
  ``homonyms`` before область/ОВА/ОДА/громада.
* Other places: Покровское / Покровське (villages) and Херсонес (the ancient
  city) are ``others``; Станиця Луганська (a town), Белгород-Днестровский
  (Odesa oblast) and Славянск-на-Кубани (Krasnodar krai) are ``homonyms``;
  Артёмовск with ё is only a stem word of Bakhmut (neutral): its one
  occurrence is the town in Krasnoyarsk krai;
  Изюмовка (a village), изюминка ("zest", from изюм "raisins") are ``others``;
  Николаевка (villages) and the patronymic Николаевич/Николаевна are
  ``others`` of Mykolaiv.
* Common words: "львов" is also the genitive plural of "лев" (lion: "парк
  львов"), so Львов is ``ambiguous``; Ukrainian "суми" is also "sums"
  ("мільйонні суми"), so Суми is ``ambiguous`` (Russian Сумы is not);
  Russian "кличка/кличку" (a pet's name) are the Ukrainian genitive/dative of
  Кличко, so ``ambiguous``; "часов" (hours) and "часів" (times) are not
  forms: Chasiv Yar is matched only as two words. "песком" (sand) is no form
  of Peskov and not under his stem, while "Пескова" is his genitive ("Темы
  брифинга Пескова") and is listed.
* Other people: the surname Николаев (TV host Yuri, governor Oleg) makes
  Николаев/Николаева/Николаеву/Николаевом ``ambiguous`` for Mykolaiv;
  Мария Львова-Белова is a ``homonym`` of Lviv; Даниил Медведев (tennis),
  Андрей Медведев, Евгения Медведева; Юрий Буданов (the colonel), Анатолий
  Буданов; Станислав and Артур Герасимов; Ахмат Кадыров (the father) and the
  streets and units named after him; Хантер Байден; Олег Навальный; Юрий
  Подоляка (a blogger: Подоляки, Подоляке) are ``homonyms``. Зеленская /
  Зеленська (Olena) and Навальная (Yulia) are ``others``: spelled apart from
  every form of the husband's name.
* Old names left out: Жданов (Mariupol until 1989) is here always a person
  (the analyst Oleh Zhdanov, Navalny's aide Ivan Zhdanov); Дзержинск (Toretsk
  until 2016) is mostly the Russian city (one of seven documents is the
  Donetsk one); Сталино (Donetsk until 1961) does not occur, and "Сталине" is
  Stalin's prepositional ("при Сталине"). A search that expands a
  name to them is counted wrong. Krasnoarmeysk and Artemovsk (Pokrovsk and
  Bakhmut until 2016) are listed: the Russian news still calls the towns so.
* Spelling variants: Білгород (an older Ukrainian spelling of Belgorod, but
  also Білгород-Дністровський, a ``homonym``), Мєдвєдєв / Медвєдєв and
  Рєзніков (TSN) are listed with their case forms.
* Names: Эхо Москвы / Ехо Москви (a radio station), крейсер «Москва» (a
  ship) and the submarine «Курск» are ``homonyms``.
* Klitschko is the surname of both brothers (Vitali the mayor, Wladimir):
  one group.

Dnipro is not a group: Днепр/Дніпро is both the city (since 2016) and the
river, in every case form. Many mentions here are the river ("по Днепру",
"форсировать Днепр", "на левом берегу Днепра"), and the commonest forms ("у
Дніпрі", "в Днепре", "Днепра") are either: only reading each document would
tell. Its old name Днепропетровск is unambiguous but rare here (about 30
documents).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CyrillicGroup:
    """One place or person: how it is typed in Latin, and its Russian and Ukrainian noun forms."""

    name: str
    kind: str  # "place" or "person"
    latin: tuple[str, ...]
    ru: tuple[str, ...]  # nominatives, current name first
    uk: tuple[str, ...]
    ru_cases: tuple[str, ...]
    uk_cases: tuple[str, ...]
    stems: tuple[str, ...]
    ambiguous: tuple[str, ...] = ()
    homonyms: tuple[str, ...] = ()
    others: tuple[str, ...] = ()

    @property
    def nominatives(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.ru + self.uk))

    @property
    def listed(self) -> tuple[str, ...]:
        """Every Cyrillic form written out, ambiguous ones included."""
        return tuple(dict.fromkeys(self.ru + self.uk + self.ru_cases + self.uk_cases))

    @property
    def forms(self) -> tuple[str, ...]:
        """The forms that make a document relevant: the listed ones less the ambiguous."""
        skip = {a.lower() for a in self.ambiguous}
        return tuple(f for f in self.listed if f.lower() not in skip)

    @property
    def queries(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.latin + self.nominatives))


def _split(text: str) -> tuple[str, ...]:
    # Comma-separated, so that multi-word names ("Часов Яр") need no quoting.
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _group(
    kind: str,
    name: str,
    latin: str,
    ru: str,
    uk: str,
    ru_cases: str,
    uk_cases: str,
    stems: str,
    ambiguous: str,
    homonyms: tuple[str, ...],
    others: str,
) -> CyrillicGroup:
    return CyrillicGroup(
        name,
        kind,
        _split(latin),
        _split(ru),
        _split(uk),
        _split(ru_cases),
        _split(uk_cases),
        _split(stems),
        _split(ambiguous),
        homonyms,
        _split(others),
    )


def _place(
    name: str,
    latin: str,
    ru: str,
    uk: str,
    ru_cases: str,
    uk_cases: str,
    stems: str,
    *,
    ambiguous: str = "",
    homonyms: tuple[str, ...] = (),
    others: str = "",
) -> CyrillicGroup:
    return _group("place", name, latin, ru, uk, ru_cases, uk_cases, stems, ambiguous, homonyms, others)


def _person(
    name: str,
    latin: str,
    ru: str,
    uk: str,
    ru_cases: str,
    uk_cases: str,
    stems: str,
    *,
    ambiguous: str = "",
    homonyms: tuple[str, ...] = (),
    others: str = "",
) -> CyrillicGroup:
    return _group("person", name, latin, ru, uk, ru_cases, uk_cases, stems, ambiguous, homonyms, others)


def _uk_adjective(stem: str) -> str:
    """The Ukrainian feminine adjective of a "-ськ" town before a region or council noun."""
    return stem + r"[ау]\s+(?:област\w*|ОВА|ОДА|громад\w*)"


GROUPS: tuple[CyrillicGroup, ...] = (
    # -- places ------------------------------------------------------------------
    _place(
        "Kyiv",
        "Kyiv, Kiev",
        "Киев",
        "Київ",
        "Киева, Киеву, Киевом, Киеве",
        "Києва, Києву, Києвом, Києві",
        "киев, київ, києв",
    ),
    _place(
        "Kharkiv",
        "Kharkiv, Kharkov",
        "Харьков",
        "Харків",
        "Харькова, Харькову, Харьковом, Харькове",
        "Харкова, Харкову, Харковом, Харкові",
        "харьков, харків, харков",
    ),
    _place(
        "Sloviansk",
        "Sloviansk, Slavyansk, Slovyansk, Slaviansk",
        "Славянск",
        "Слов'янськ",
        "Славянска, Славянску, Славянском, Славянске",
        "Слов'янська, Слов'янську, Слов'янськом",
        "славянск, слов'янськ",
        homonyms=(r"Славянск\w*-на-Кубани", _uk_adjective("Слов'янськ")),
    ),
    _place(
        "Kramatorsk",
        "Kramatorsk",
        "Краматорск",
        "Краматорськ",
        "Краматорска, Краматорску, Краматорском, Краматорске",
        "Краматорська, Краматорську, Краматорськом",
        "краматорск, краматорськ",
        homonyms=(_uk_adjective("Краматорськ"),),
    ),
    _place(
        "Pokrovsk",
        "Pokrovsk, Krasnoarmeysk, Krasnoarmiisk",
        "Покровск, Красноармейск",
        "Покровськ, Красноармійськ",
        "Покровска, Покровску, Покровском, Покровске, "
        "Красноармейска, Красноармейску, Красноармейском, Красноармейске",
        "Покровська, Покровську, Покровськом, Красноармійська, Красноармійську, Красноармійськом",
        "покровск, покровськ, красноармейск, красноармійськ",
        ambiguous="Покровском, Красноармейском",
        homonyms=(_uk_adjective("Покровськ"), _uk_adjective("Красноармійськ")),
        others="покровское, покровське",
    ),
    _place(
        "Kostiantynivka",
        "Kostiantynivka, Kostyantynivka, Konstantinovka",
        "Константиновка",
        "Костянтинівка",
        "Константиновки, Константиновке, Константиновку, Константиновкой",
        "Костянтинівки, Костянтинівці, Костянтинівку, Костянтинівкою",
        "константиновк, костянтинівк",
    ),
    _place(
        "Bakhmut",
        "Bakhmut, Artemivsk, Artemovsk",
        "Бахмут, Артемовск",
        "Бахмут, Артемівськ",
        "Бахмута, Бахмуту, Бахмутом, Бахмуте, Артемовска, Артемовску, Артемовском, Артемовске",
        "Бахмута, Бахмуту, Бахмутом, Бахмуті, Артемівська, Артемівську, Артемівськом",
        # Артёмовск with ё is a stem word only: here it is the town in Krasnoyarsk krai.
        "бахмут, артемовск, артемівськ, артёмовск",
        ambiguous="Артемовском",
        homonyms=(_uk_adjective("Артемівськ"),),
    ),
    _place(
        "Avdiivka",
        "Avdiivka, Avdiyivka, Avdeevka, Avdeyevka",
        "Авдеевка",
        "Авдіївка",
        "Авдеевки, Авдеевке, Авдеевку, Авдеевкой",
        "Авдіївки, Авдіївці, Авдіївку, Авдіївкою",
        "авдеевк, авдіївк",
    ),
    _place(
        "Mariupol",
        "Mariupol",
        "Мариуполь",
        "Маріуполь",
        "Мариуполя, Мариуполю, Мариуполем, Мариуполе",
        "Маріуполя, Маріуполю, Маріуполем, Маріуполі",
        "мариупол, маріупол",
    ),
    _place(
        "Kherson",
        "Kherson",
        "Херсон",
        "Херсон",
        "Херсона, Херсону, Херсоном, Херсоне",
        "Херсона, Херсону, Херсоном, Херсоні",
        "херсон",
        others="херсонес",
    ),
    _place(
        "Odesa",
        "Odesa, Odessa",
        "Одесса",
        "Одеса",
        "Одессы, Одессе, Одессу, Одессой",
        "Одеси, Одесі, Одесу, Одесою",
        "одес",
    ),
    _place(
        "Zaporizhzhia",
        "Zaporizhzhia, Zaporizhia, Zaporozhye",
        "Запорожье",
        "Запоріжжя",
        "Запорожья, Запорожью, Запорожьем",
        "Запоріжжю, Запоріжжям, Запоріжжі",
        "запорож, запоріж",
    ),
    _place(
        "Lviv",
        "Lviv, Lvov",
        "Львов",
        "Львів",
        "Львова, Львову, Львовом, Львове",
        "Львова, Львову, Львовом, Львові",
        "львов, львів",
        ambiguous="Львов",
        homonyms=(r"Львов\w*-Белов\w*", r"Мари\w+\s+Львов\w*"),
    ),
    _place(
        "Donetsk",
        "Donetsk",
        "Донецк",
        "Донецьк",
        "Донецка, Донецку, Донецком, Донецке",
        "Донецька, Донецьку, Донецьком",
        "донецк, донецьк",
        ambiguous="Донецком",
        homonyms=(_uk_adjective("Донецьк"),),
    ),
    _place(
        "Luhansk",
        "Luhansk, Lugansk",
        "Луганск",
        "Луганськ",
        "Луганска, Луганску, Луганском, Луганске",
        "Луганська, Луганську, Луганськом",
        "луганск, луганськ",
        ambiguous="Луганском",
        homonyms=(_uk_adjective("Луганськ"), r"Станиц\w*\s+Луганс\w*"),
    ),
    _place(
        "Melitopol",
        "Melitopol",
        "Мелитополь",
        "Мелітополь",
        "Мелитополя, Мелитополю, Мелитополем, Мелитополе",
        "Мелітополя, Мелітополю, Мелітополем, Мелітополі",
        "мелитопол, мелітопол",
    ),
    _place(
        "Izium",
        "Izium, Izyum",
        "Изюм",
        "Ізюм",
        "Изюма, Изюму, Изюмом, Изюме",
        "Ізюма, Ізюму, Ізюмом, Ізюмі",
        "изюм, ізюм",
        others="изюминк, изюмовк",
    ),
    _place(
        "Kupiansk",
        "Kupiansk, Kupyansk",
        "Купянск",
        "Куп'янськ",
        "Купянска, Купянску, Купянском, Купянске",
        "Куп'янська, Куп'янську, Куп'янськом",
        "купянск, куп'янськ",
        ambiguous="Купянском",
        homonyms=(_uk_adjective("Куп'янськ"),),
    ),
    _place(
        "Chernihiv",
        "Chernihiv, Chernigov",
        "Чернигов",
        "Чернігів",
        "Чернигова, Чернигову, Черниговом, Чернигове",
        "Чернігова, Чернігову, Черніговом, Чернігові",
        "чернигов, чернігів, чернігов",
    ),
    _place(
        "Sumy",
        "Sumy",
        "Сумы",
        "Суми",
        "Сум, Сумам, Сумами, Сумах",
        "Сум, Сумам, Сумами, Сумах",
        # Not "сум": it would make every "сумма" (sum) neutral.
        "сумск, сумськ, сумщин, сумчан",
        ambiguous="Суми",
    ),
    _place(
        "Mykolaiv",
        "Mykolaiv, Mykolayiv, Nikolaev, Nikolayev",
        "Николаев",
        "Миколаїв",
        "Николаева, Николаеву, Николаевом, Николаеве",
        "Миколаєва, Миколаєву, Миколаєвом, Миколаєві",
        "николаев, миколаїв, миколаєв",
        ambiguous="Николаев, Николаева, Николаеву, Николаевом",
        others="николаевич, николаевн, николаевк, миколаївк",
    ),
    _place(
        "Vuhledar",
        "Vuhledar, Vugledar, Ugledar",
        "Угледар",
        "Вугледар",
        "Угледара, Угледару, Угледаром, Угледаре",
        "Вугледара, Вугледару, Вугледаром, Вугледарі",
        "угледар, вугледар",
    ),
    _place(
        "Toretsk",
        "Toretsk",
        "Торецк",
        "Торецьк",
        "Торецка, Торецку, Торецком, Торецке",
        "Торецька, Торецьку, Торецьком",
        "торецк, торецьк",
        ambiguous="Торецком",
        homonyms=(_uk_adjective("Торецьк"),),
    ),
    _place(
        "Chasiv Yar",
        "Chasiv Yar, Chasov Yar",
        "Часов Яр",
        "Часів Яр",
        "Часова Яра, Часов Яра, Часову Яру, Часовым Яром, Часовом Яре, Часов Яре",
        "Часового Яру, Часів Яру, Часовому Яру, Часовим Яром, Часовім Ярі",
        "часовояр",
    ),
    _place(
        "Kursk",
        "Kursk",
        "Курск",
        "Курськ",
        "Курска, Курску, Курском, Курске",
        "Курська, Курську, Курськом",
        "курск, курськ",
        ambiguous="Курском",
        homonyms=(r"(?:АПРК|АПЛ|подлодк\w*|лодк\w*)\s+[«\"“]?Курск",),
    ),
    _place(
        "Belgorod",
        "Belgorod",
        "Белгород",
        # Білгород is the older Ukrainian spelling, still seen ("ракета прилетіла з Білгорода").
        "Бєлгород, Білгород",
        "Белгорода, Белгороду, Белгородом, Белгороде",
        "Бєлгорода, Бєлгороду, Бєлгородом, Бєлгороді, Білгорода, Білгороду, Білгородом, Білгороді",
        "белгород, бєлгород, білгород",
        homonyms=(r"Белгород\w*-Днестровск\w*", r"Білгород\w*-Дністровськ\w*"),
    ),
    _place(
        "Moscow",
        "Moscow, Moskva",
        "Москва",
        "Москва",
        "Москвы, Москве, Москву, Москвой, Москвою",
        "Москви, Москві, Москву, Москвою",
        "москв",
        homonyms=(r"(?:Эх|Ех)\w*\s+Москв\w*", r"крейсер\w*\s+[«\"“]?Москв\w*"),
    ),
    _place(
        "Sevastopol",
        "Sevastopol",
        "Севастополь",
        "Севастополь",
        "Севастополя, Севастополю, Севастополем, Севастополе",
        "Севастополя, Севастополю, Севастополем, Севастополі",
        "севастопол",
    ),
    _place(
        "Berdiansk",
        "Berdiansk, Berdyansk",
        "Бердянск",
        "Бердянськ",
        "Бердянска, Бердянску, Бердянском, Бердянске",
        "Бердянська, Бердянську, Бердянськом",
        "бердянск, бердянськ",
        homonyms=(_uk_adjective("Бердянськ"),),
    ),
    _place(
        "Enerhodar",
        "Enerhodar, Energodar",
        "Энергодар",
        "Енергодар",
        "Энергодара, Энергодару, Энергодаром, Энергодаре",
        "Енергодара, Енергодару, Енергодаром, Енергодарі",
        "энергодар, енергодар",
    ),
    _place(
        "Donbas",
        "Donbas, Donbass",
        "Донбасс",
        "Донбас",
        "Донбасса, Донбассу, Донбассом, Донбассе",
        "Донбасу, Донбасом, Донбасі",
        "донбас",
    ),
    # -- people ------------------------------------------------------------------
    _person(
        "Zelensky",
        "Zelensky, Zelenskyy, Zelenskiy, Zelenskyi",
        "Зеленский",
        "Зеленський",
        "Зеленского, Зеленскому, Зеленским, Зеленском",
        "Зеленського, Зеленському, Зеленським",
        "зеленск, зеленськ",
        others="зеленская, зеленской, зеленскую, зеленська, зеленської, зеленську, зеленською",
    ),
    _person(
        "Putin",
        "Putin",
        "Путин",
        "Путін",
        "Путина, Путину, Путиным, Путине",
        "Путіна, Путіну, Путінові, Путіним, Путіні",
        "путин, путін",
    ),
    _person(
        "Peskov",
        "Peskov",
        "Песков",
        "Пєсков",
        "Пескова, Пескову, Песковым, Пескове",
        "Пєскова, Пєскову, Пєскові, Пєсковим",
        "песков, пєсков",
        homonyms=(r"(?:Елизавет|Лиз)\w*\s+Песков\w*",),
    ),
    # Indeclinable in both languages: the nominative is every case.
    _person("Shoigu", "Shoigu, Shoygu", "Шойгу", "Шойгу", "", "", "шойгу"),
    _person(
        "Gerasimov",
        "Gerasimov",
        "Герасимов",
        "Герасимов",
        "Герасимова, Герасимову, Герасимовым, Герасимове",
        "Герасимова, Герасимову, Герасимовим, Герасимові",
        "герасимов",
        homonyms=(r"(?:Станислав|Артур)\w*\s+Герасимов\w*",),
    ),
    _person(
        "Syrskyi",
        "Syrskyi, Syrsky, Syrskiy",
        "Сырский",
        "Сирський",
        "Сырского, Сырскому, Сырским, Сырском",
        "Сирського, Сирському, Сирським",
        "сырск, сирськ",
    ),
    _person(
        "Zaluzhnyi",
        "Zaluzhnyi, Zaluzhny, Zaluzhniy",
        "Залужный",
        "Залужний",
        "Залужного, Залужному, Залужным, Залужном",
        "Залужного, Залужному, Залужним",
        "залужн",
    ),
    _person(
        "Budanov",
        "Budanov",
        "Буданов",
        "Буданов",
        "Буданова, Буданову, Будановым, Буданове",
        "Буданова, Буданову, Будановим, Буданові",
        "буданов",
        homonyms=(r"(?:Юри|Анатоли)\w*\s+Буданов\w*",),
    ),
    _person(
        "Lavrov",
        "Lavrov",
        "Лавров",
        "Лавров",
        "Лаврова, Лаврову, Лавровым, Лаврове",
        "Лаврова, Лаврову, Лавровим, Лаврові",
        "лавров",
    ),
    _person(
        "Medvedev",
        "Medvedev",
        "Медведев",
        "Медведєв",
        "Медведева, Медведеву, Медведевым, Медведеве",
        # With the spellings Мєдвєдєв / Медвєдєв that TSN also uses.
        "Медведєва, Медведєву, Медведєвим, Медведєві, Мєдвєдєв, Мєдвєдєва, Мєдвєдєву, Мєдвєдєвим, "
        "Мєдвєдєві, Медвєдєв, Медвєдєва, Медвєдєву, Медвєдєвим, Медвєдєві",
        "медведев, медведєв, мєдвєдєв, медвєдєв",
        homonyms=(r"(?:теннисист\w*|Дании?л\w*|Андре\w+|Евгени\w+)\s+Медведев\w*",),
    ),
    _person(
        "Kadyrov",
        "Kadyrov",
        "Кадыров",
        "Кадиров",
        "Кадырова, Кадырову, Кадыровым, Кадырове",
        "Кадирова, Кадирову, Кадировим, Кадирові",
        "кадыров, кадиров",
        homonyms=(
            r"(?:Ахмат|Ахмад|Хаджи|Адам)\w*\s+Кадыров\w*",
            r"(?:улиц\w*|проспект\w*|имени|им\.)\s+(?:Ахмат\w*[-\s]+(?:Хаджи\s+)?)?Кадыров\w*",
        ),
    ),
    _person(
        "Prigozhin",
        "Prigozhin",
        "Пригожин",
        "Пригожин",
        "Пригожина, Пригожину, Пригожиным, Пригожине",
        "Пригожина, Пригожину, Пригожиним, Пригожині",
        "пригожин",
    ),
    _person(
        "Yermak",
        "Yermak, Ermak",
        "Ермак",
        "Єрмак",
        "Ермака, Ермаку, Ермаком, Ермаке",
        "Єрмака, Єрмаку, Єрмакові, Єрмаком",
        "ермак, єрмак",
    ),
    _person(
        "Kuleba",
        "Kuleba",
        "Кулеба",
        "Кулеба",
        "Кулебы, Кулебе, Кулебу, Кулебой",
        "Кулеби, Кулебі, Кулебу, Кулебою",
        "кулеб",
    ),
    _person(
        "Klitschko",
        "Klitschko, Klychko",
        "Кличко",
        "Кличко",
        "",  # indeclinable in Russian
        "Кличка, Кличку, Кличкові, Кличком",
        "кличк",
        ambiguous="Кличка, Кличку",
    ),
    _person(
        "Lukashenko",
        "Lukashenko, Lukashenka",
        "Лукашенко",
        "Лукашенко",
        "",  # indeclinable in Russian
        "Лукашенка, Лукашенку, Лукашенкові, Лукашенком",
        "лукашенк",
    ),
    _person(
        "Podolyak",
        "Podolyak, Podoliak",
        "Подоляк",
        "Подоляк",
        "Подоляка, Подоляку, Подоляком, Подоляке",
        "Подоляка, Подоляку, Подолякові, Подоляком",
        "подоляк",
        homonyms=(r"Юри\w*\s+Подоляк\w*",),
    ),
    _person(
        "Shmyhal",
        "Shmyhal, Shmygal",
        "Шмыгаль",
        "Шмигаль",
        "Шмыгаля, Шмыгалю, Шмыгалем, Шмыгале",
        "Шмигаля, Шмигалю, Шмигалеві, Шмигалем",
        "шмыгал, шмигал",
    ),
    _person(
        "Arestovych",
        "Arestovych, Arestovich",
        "Арестович",
        "Арестович",
        "Арестовича, Арестовичу, Арестовичем, Арестовиче",
        "Арестовича, Арестовичу, Арестовичеві, Арестовичем",
        "арестович",
    ),
    _person(
        "Reznikov",
        "Reznikov",
        "Резников",
        "Резніков",
        "Резникова, Резникову, Резниковым, Резникове",
        # With the spelling Рєзніков that TSN also uses.
        "Резнікова, Резнікову, Резніковим, Резнікові, Рєзніков, Рєзнікова, Рєзнікову, Рєзніковим, Рєзнікові",
        "резников, резніков, рєзніков",
    ),
    _person(
        "Navalny",
        "Navalny, Navalnyi",
        "Навальный",
        "Навальний",
        "Навального, Навальному, Навальным, Навальном",
        "Навального, Навальному, Навальним",
        "навальн",
        homonyms=(r"Олег\w*\s+Навальн\w*",),
        others="навальная, навальной, навальную, навальна",
    ),
    _person(
        "Biden",
        "Biden",
        "Байден",
        "Байден",
        "Байдена, Байдену, Байденом, Байдене",
        "Байдена, Байдену, Байденові, Байденом",
        "байден",
        homonyms=(r"(?:Хантер|Гантер)\w*\s+Байден\w*",),
    ),
)
