"""A light suffix stemmer for Ukrainian.

NLTK's Snowball has no Ukrainian stemmer (nor do PyStemmer and snowballstemmer),
and the Russian one misses most Ukrainian endings (-ів, -ові, -ої, -ії, ...).
:func:`light_stem` cuts one inflectional ending off a noun, adjective or verb,
so that the case, number, gender and tense forms of a word share one index
term (вибух, вибухи, вибухів, вибухами -> вибух). It looks nothing up: names,
slang and new words (рашисти, байрактарів, кацуріною) are stemmed like any other
word, which a dictionary lemmatizer cannot do. Pure Python, no data files.

It is light on purpose: derivation stays (ракета/ракетний, обстріл/обстріляли
and окупант/окупантка keep apart), and so do most stem changes (Київ/Києва,
Харків/Харкова, піти/пішов). The rules, measured on news headlines with
``bench/uk_stemming_eval.py``:

1. spelling: ґ is read as г and apostrophes are dropped, so об'єкт, обʼєкт and
   обєкт meet;
2. fleeting and alternating vowels of common suffixes: -ець/-ця (біженець,
   біженця), consonant + -ок/-ку (будинок, будинку), -ість/-ості (кількість,
   кількості) get one form;
3. a reflexive -ся/-сь goes when a verb ending is left to remove
   (вибухнулися, but Тарася stays a noun);
4. verb endings that nouns share go only where a verb is likely: -ти of the
   infinitive after и, я, ї, у or -ва- (знищити, обстріляти, загинути,
   обстрілювати, but окупанти, ракети, результати are plural nouns); the past
   -в, -ла, -ло, -ли after а, я, и, у (знищили, but обстріли, школа, числа);
   the impersonal -но after а, я and -ено (обстріляно, знищено);
5. otherwise the longest ending of :data:`ENDINGS` goes;
6. then one final і, и, ї, й or ь goes, so that soft and hard endings meet
   (операці-я and операц-ій, знищи-ли and знищ-ать);
7. і between two consonants at the end of the stem is read as о, the closed
   syllable alternation (схід/сходу, рік/року, спосіб/способу).

No step leaves fewer than :data:`MIN_STEM` letters. Input is one lower-case word
with apostrophes normalised to "'"; words that are not Ukrainian just lose
whatever looks like an ending.
"""

from __future__ import annotations

#: Letters a stem keeps at least; words this short are returned as they are.
MIN_STEM = 3

VOWELS = frozenset("аеєиіїоуюя")

_NOUN_ENDINGS = (
    "а я у ю о е є і ї и ь й "  # singular cases
    "ові еві єві ом ем єм ою ею єю "  # dative and instrumental singular
    "ів їв ей ам ям ах ях ами ями"  # plural
)
_ADJECTIVE_ENDINGS = "ий ій ого ього ому ьому им ім их іх ими іми ою ьою ої ьої"
_VERB_ENDINGS = (
    "у ю еш єш е є емо ємо ете єте уть ють еть єть "  # present, first conjugation
    "иш іш ить іть имо імо ите іте ать ять "  # present, second conjugation
    "тиму тимеш тиме тимемо тимете тимуть "  # synthetic future
    "й йте ймо "  # imperative
    "ючи учи ачи ячи вши"  # adverbial participles
)


def _longest_first(*groups: str) -> tuple[str, ...]:
    return tuple(sorted({e for g in groups for e in g.split()}, key=lambda e: (-len(e), e)))


#: Endings removed in step 5, longest first.
ENDINGS = _longest_first(_NOUN_ENDINGS, _ADJECTIVE_ENDINGS, _VERB_ENDINGS)
#: Endings left once a reflexive -ся/-сь is gone (past, -ти and -ть included: зупинився, боїться).
REFLEXIVE_ENDINGS = _longest_first(_VERB_ENDINGS, "в ла ло ли ти ть")

_SPELLING = str.maketrans({"ґ": "г", "'": None, "’": None, "ʼ": None})
_FINAL_SOFT = frozenset("іиїйь")
_INFINITIVE_AFTER = frozenset("ияїу")
_PAST_AFTER = frozenset("аяиу")


def _cut(word: str, endings: tuple[str, ...], min_stem: int) -> str | None:
    """``word`` less the longest of ``endings`` that leaves ``min_stem`` letters, or None."""
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= min_stem:
            return word[: -len(ending)]
    return None


def _verb_form(word: str, min_stem: int) -> str | None:
    """Step 4: the stem of an infinitive, past or impersonal form that is unlikely a noun, or None."""
    if word.endswith("ти"):
        size = 2
        if not (word[-3:-2] in _INFINITIVE_AFTER or word.endswith("вати")):
            return None
    elif word.endswith(("в", "ла", "ло", "ли")):
        size = 1 if word[-1] == "в" else 2
        if word[-size - 1 : -size] not in _PAST_AFTER:
            return None
    elif word.endswith(("ано", "яно")):
        size = 2
    elif word.endswith(("ено", "єно")):
        size = 3
    else:
        return None
    return word[:-size] if len(word) - size >= min_stem else None


def light_stem(word: str, *, min_stem: int = MIN_STEM) -> str:
    """The stem of one lower-case Ukrainian word (see the module docstring)."""
    word = word.translate(_SPELLING)
    # 2. fleeting and alternating vowels.
    if word.endswith("ість"):
        word = word[:-4] + "ость"
    elif word.endswith("істю"):
        word = word[:-4] + "остю"
    elif word.endswith("ець") and len(word) >= 5:
        word = word[:-3] + "ц"
    elif word.endswith("ок") and len(word) >= 5 and word[-3] not in VOWELS:
        word = word[:-2] + "к"
    if len(word) <= min_stem:
        return word
    stem = None
    if word.endswith(("ся", "сь")):  # 3. reflexive verbs
        stem = _cut(word[:-2], REFLEXIVE_ENDINGS, min_stem)
    if stem is None:  # 4. and 5.
        stem = _verb_form(word, min_stem) or _cut(word, ENDINGS, min_stem) or word
    if len(stem) > min_stem and stem[-1] in _FINAL_SOFT:  # 6.
        stem = stem[:-1]
    if (  # 7. closed syllable і -> о
        len(stem) > max(min_stem, 2) and stem[-2] == "і" and stem[-1] not in VOWELS and stem[-3] not in VOWELS
    ):
        stem = stem[:-2] + "о" + stem[-1]
    return stem
