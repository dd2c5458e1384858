"""Light suffix stemmers for Polish and Czech.

NLTK's Snowball has neither language. :func:`light_stem_pl` and
:func:`light_stem_cs` cut one inflectional ending off a noun, adjective or
verb, so that the case, number, gender and tense forms of a word share one
index term (atak, ataku, atakiem -> atak; útok, útoku, útoky -> utok). They
look nothing up, so names (Bachmut, Zełenski, Prigożyn, Zelenskyj) are stemmed
like any other word. Pure Python, no data files. Chosen by measurement against
dictionaries and other stemmers with ``bench/slavic_stemming_eval.py``.

Both take one lower-case word and return a stem without diacritics (folded as
:func:`~searchsvc.analysis.filters.fold_accents` folds them), so that a query
typed bare (Kijowie as kijowie, Kyjevě as kyjeve) meets the stems of words
written in full, and the vowel alternations of Polish (Kijów/Kijowa) and Czech
(dům/domu) vanish. Their ending lists hold each ending as written and folded,
so a word typed bare, or folded by the chain before stemming as the language
analysis does today, loses its ending too (``bench/slavic_stemming_eval.py``
measures both inputs: the written word gives slightly better stems). The cost:
a bare ending can cut a noun that only looks like it (granic, the genitive
plural of granica, read as an infinitive in -ić; Izraela is spared by leaving
the bare -ela of -ęła out), and a few rules read the diacritics (Czech -ští
against -sti).

Polish, in order:

1. the longest ending of :data:`PL_ENDINGS` goes (case endings of nouns and
   adjectives, infinitive, past and present endings of verbs), with the
   alternations that a few endings bring: locative -cie after a hard stem is -t
   (Bachmucie, prezydencie), -dzie is -d (obwodzie, Dudzie), -sce and -nce are
   -sk and -nk (Polsce, Łukaszence), plurals in -scy/-ccy/-ycy are
   -sk/-ck/-yk (rosyjscy, niemieccy, analitycy), -enci is -ent (prezydenci),
   and the present -uj- of -ować verbs meets their other forms (zaatakuje,
   zaatakował);
2. the stem is folded, and a final -ow goes after the endings of towns in -ów
   (:data:`PL_STRIP_OW`): their genitive plural-like nominative (Kijów, Charków,
   Lwów) loses -ów like any genitive plural (ataków -> atak), while their other
   cases keep -ow- (Kijowa, Kijowie, Kijowem), so those lose it too (all -> kij).
   Dropping every final -ow finds a few more forms but joins adjectives in -owy
   and verbs in -ować to their nouns (wojskowy, wojsko); keeping -ów splits the
   genitive plural of most masculine nouns off. The cost of the choice: the
   feminine -owa of those adjectives meets the noun (wojskowa, wojsko), and kij
   (a stick) meets Kijów.

Czech, in order:

1. an infinitive or present ending of :data:`CS_VERB_TO_PAST` becomes the past
   -l form (zaútočit -> zaútočil, bombarduje -> bombardoval), then the longest
   ending of :data:`CS_ENDINGS` goes (past forms only lose -a, -i, -o, -y); a
   few nouns in -it pay for it (summit becomes summil, summitu summit);
2. the stem-final consonant takes one form whatever ending softened it:
   -št/-čt -> -sk/-ck (ruští, čeští), c/č -> k (vojáci, válce, útocích),
   z/ž -> h (Praze), ř -> r (ministři), and a fleeting e before the last
   consonant goes (Pavel/Pavla, válek/válka; ě too, which a bare word cannot
   tell from e: oběť, obeti);
3. ů before the last consonant is read as o (dům/domu), and the stem is folded.

No step leaves fewer than :data:`MIN_STEM` letters.
"""

from __future__ import annotations

from typing import Literal

# The analysis folds accents before stemming; the stemmers fold what they are given the same way.
from .filters import fold_accents as fold

#: Letters a stem keeps at least; words this short are returned (folded) as they are.
MIN_STEM = 3


def _longest_first(*groups: str, not_bare: str = "") -> tuple[str, ...]:
    """The endings of ``groups``, written and folded (for words typed bare), longest first.

    The folded spellings in ``not_bare`` are left out: they would cut nouns (Izraela, Daniela).
    """
    endings = {e for g in groups for e in g.split()}
    endings |= {fold(e) for e in endings} - set(not_bare.split())
    return tuple(sorted(endings, key=lambda e: (-len(e), e)))


# -- Polish ----------------------------------------------------------------------------------------------

_PL_NOUN = (
    "a u y i e o ę ą "  # singular cases and plurals
    "ie iu ia ii ią ię iem iom iami iach "  # after a soft consonant (Kijowie, Chersoniu, armii)
    "ów om ami ach em owi mi"
)
_PL_ADJECTIVE = "ego ej emu ym ych ymi iego iej iemu im ich imi"
_PL_VERB = (
    "ać eć ić yć ąć uć "  # infinitive
    "ał ała ało ali ały ił iła iło ili iły ył yła yło yli yły ął ęła ęło ęli ęły eli eły "  # past
    "ano ono "  # impersonal
    "esz emy isz imy ysz ymy ają"  # present
)
#: Endings removed in step 1, longest first.
PL_ENDINGS = _longest_first(_PL_NOUN, _PL_ADJECTIVE, _PL_VERB, not_bare="ela")
#: Present endings of -ować verbs: the stem takes -ow, as in their other forms.
_PL_UJ = _longest_first("uje uję ują ujesz ujemy ujecie uj ujmy")
#: Step 2: "always" drops a final -ow of the folded stem; "towns" only after the endings of towns
#: in -ów (Kijów, Kijowa, Kijowie, Kijowem, Kijowowi); "never" keeps -ów as part of the stem.
PL_STRIP_OW: Literal["towns", "always", "never"] = "towns"
#: Bare "ow" too: Kijów typed as kijow.
_PL_TOWN_ENDINGS = ("ów", "ow", "owa", "owie", "owem", "owowi")
#: Letters before -cie that show a hard -t stem (Bachmucie, prezydencie, moście), not a soft ć (życie).
_PL_HARD_BEFORE_CIE = frozenset("aeonkrsśuz")


def _pl_cut(word: str, min_stem: int) -> str:
    """Polish step 1: ``word`` less one ending, with the alternation it brings."""
    for ending in _PL_UJ:
        if word.endswith(ending) and len(word) - len(ending) >= min_stem:
            return word[: -len(ending)] + "ow"
    if word.endswith("cie") and len(word) >= max(4, min_stem + 2) and word[-4] in _PL_HARD_BEFORE_CIE:
        return word[:-3] + "t"
    if word.endswith("dzie") and len(word) - 3 >= min_stem:
        return word[:-4] + "d"
    if word.endswith(("scy", "ccy", "ycy")) and len(word) - 1 >= min_stem:
        return word[:-2] + "k"
    if word.endswith("enci") and len(word) - 2 >= min_stem:
        return word[:-2] + "t"
    if word.endswith(("sce", "nce")) and len(word) - 1 >= min_stem:
        return word[:-2] + "k"
    for ending in PL_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= min_stem:
            return word[: -len(ending)]
    return word


def light_stem_pl(
    word: str, *, min_stem: int = MIN_STEM, strip_ow: Literal["towns", "always", "never"] = PL_STRIP_OW
) -> str:
    """The stem of one lower-case Polish word, without diacritics (see the module docstring)."""
    if len(word) <= min_stem:
        return fold(word)
    if strip_ow == "never" and word.endswith("ów"):
        return fold(word)
    stem = fold(_pl_cut(word, min_stem))
    if (
        stem.endswith("ow")
        and len(stem) - 2 >= min_stem
        and (strip_ow == "always" or (strip_ow == "towns" and word.endswith(_PL_TOWN_ENDINGS)))
    ):
        stem = stem[:-2]
    return stem


# -- Czech -----------------------------------------------------------------------------------------------

_CS_NOUN = (
    "a u y e ě i í o ů ou "  # singular cases and plurals
    "em ám ách ami ech ích ům ím emi ěmi mi ovi ové ete ěte etem ětem"
)
_CS_ADJECTIVE = "ý á é ého ému ém ým ých ými ího ímu ím ími yj ij"
_CS_VERB = "eme ete íme íte ám áme áte ejí"  # present
#: Verb endings replaced so that a verb's forms meet its past -l form (zaútočit, zaútočil, zaútočila):
#: the past forms themselves only lose -a, -o, -i, -y like nouns.
CS_VERB_TO_PAST = {
    "ovat": "oval",
    "uje": "oval",
    "ují": "oval",
    "uji": "oval",
    "ujeme": "oval",
    "ujete": "oval",
    "it": "il",
    "ít": "il",
    "ět": "ěl",
}
_CS_TO_PAST = sorted(CS_VERB_TO_PAST.items(), key=lambda e: (-len(e[0]), e[0]))
#: Endings removed in step 1, longest first.
CS_ENDINGS = _longest_first(_CS_NOUN, _CS_ADJECTIVE, _CS_VERB)
_CS_VOWELS = frozenset("aáeéěiíoóuúůyý")
_CS_FINAL = str.maketrans({"c": "k", "č": "k", "z": "h", "ž": "h", "ř": "r"})


def _cs_normalize(stem: str, min_stem: int) -> str:
    """Czech step 2: one form for the stem-final consonant, whatever softened it."""
    if not stem:
        return stem
    if stem.endswith(("št", "čt")):
        return stem[:-2] + ("sk" if stem[-2] == "š" else "ck")
    if (
        len(stem) > max(min_stem, 2)
        and stem[-2] in "eě"
        and stem[-1] not in _CS_VOWELS
        and stem[-3] not in _CS_VOWELS
    ):
        stem = stem[:-2] + stem[-1]  # fleeting e: Pavel/Pavla
    return stem[:-1] + stem[-1].translate(_CS_FINAL)


def light_stem_cs(word: str, *, min_stem: int = MIN_STEM) -> str:
    """The stem of one lower-case Czech word, without diacritics (see the module docstring)."""
    stem = word
    if len(word) > min_stem:
        for ending, past in _CS_TO_PAST:
            if word.endswith(ending) and len(word) - len(ending) >= min_stem:
                word = word[: -len(ending)] + past
                break
        stem = word
        for ending in CS_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= min_stem:
                stem = word[: -len(ending)]
                break
        stem = _cs_normalize(stem, min_stem)
    if len(stem) > 2 and stem[-2] == "ů":  # dům/domu
        stem = stem[:-2] + "o" + stem[-1]
    return fold(stem)
