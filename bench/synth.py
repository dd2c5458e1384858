"""Deterministic generator of synthetic English news articles (stdlib only).

The same ``seed`` always yields the same stream, and the first N documents of a
longer stream are exactly the documents of a shorter one, so the 10k corpus is a
prefix of the 100k and 1M corpora and queries drawn from it fit all three.

What makes the text behave like news for a search engine:

* a Zipf-Mandelbrot vocabulary: real English function words at the top ranks,
  then common news words (with their inflections, so stemmers have work), then a
  few thousand generated pronounceable words;
* per-category topic vocabularies mixed into the global one, so that words
  co-occur and AND queries are not just products of independent frequencies;
* person names drawn from a long Zipf tail, which gives genuinely rare terms;
* Ukrainian place names in competing spellings (official Ukrainian
  transliteration, Russian-era names, Cyrillic), chosen by outlet "style" and year;
* skewed sources, categories and tags, and dates over seven years with more
  articles in later years.

Numbers are plain integers only: decimal points and apostrophes tokenize
differently in Whoosh, FTS5 and tantivy, which would blur the peer comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

#: Bump when the generated text changes, so cached corpus files are rebuilt.
GENERATOR_VERSION = 1


def _words(text: str) -> tuple[str, ...]:
    """The whitespace-separated words of ``text``, in order (repeats kept: they weight draws)."""
    return tuple(text.split())


# English function words, roughly in frequency order. They take the top Zipf
# ranks, as in real text.
FUNCTION_WORDS: tuple[str, ...] = _words(
    """
    the of and to a in that is was for on it with as he by at from his be have an are has
    not they this were but had their which who will its been after more we also would or one
    she two up about there all into new than her over out could them some most what if no
    our can while since during against between under before three those these then where
    both any such many only very other through because should again until each
    """
)

# Common news vocabulary, including inflected forms so that stemming changes
# what a query matches.
NEWS_WORDS: tuple[str, ...] = _words(
    """
    said says government president minister military forces troops attack attacks attacked
    attacking war border region city officials official security defence army missile
    missiles drone drones strike strikes talks peace sanctions energy gas oil prices price
    market markets economy bank inflation election elections parliament vote voted party
    leader leaders police court law report reported reports according statement agency news
    residents civilians killed wounded injured shelling artillery front line offensive
    counteroffensive advance advanced advancing retreat village villages town towns
    infrastructure power electricity water heating winter summer spring autumn aid
    humanitarian refugees children hospital hospitals school schools damage damaged
    destroyed building buildings bridge railway port ports grain exports imports trade deal
    agreement negotiations ceasefire support supported weapons tanks ammunition air systems
    system units brigade commander ministry spokesman governor mayor administration council
    committee international european union western allies alliance summit meeting meetings
    visit visited announced warned warning claims claimed denied accused investigation
    evidence crimes prosecutors operation operations control territory occupied occupation
    regional local national state federal foreign public private company companies workers
    jobs industry production supply supplies budget billion million percent funding loan
    debt tax taxes growth crisis emergency evacuation evacuated shelter sirens alert night
    morning evening week weeks month months day days hours today yesterday early late later
    earlier recent recently country countries world nation citizens population family
    families home homes house houses service services plan plans planned policy policies
    decision decisions statements figures data analysts expected expect expects increase
    increased decrease fell rose rising falling record highest lowest major minor key main
    large small heavy serious significant strategic critical political economic diplomatic
    nuclear plant plants reactor station stations fuel coal grid outage outages cyber
    hackers online internet technology phone phones video footage images photos journalists
    media television radio newspaper interview conference press prime deputy chief head
    director secretary ambassador envoy delegation partners partner partnership cooperation
    relations tensions conflict fighting battle battles positions position soldiers soldier
    volunteers mobilisation reservists prisoners exchange released release detained arrested
    charged trial sentenced prison justice rights freedom democracy opposition protest
    protests protesters crowd streets capital centre center north south east west eastern
    southern northern central coast sea river bay island islands airport airports flights
    train trains road roads convoy convoys trucks vehicles equipment
    """
)


# Competing spellings of Ukrainian places. Each group lists the official
# Ukrainian transliteration first, then Russian-era or Russian-based forms, then
# Cyrillic. Only single-token names are used, so every engine sees one term.
@dataclass(frozen=True)
class PlaceGroup:
    key: str
    ua: tuple[str, ...]
    ru: tuple[str, ...]
    cyr: tuple[str, ...]

    @property
    def variants(self) -> tuple[str, ...]:
        return self.ua + self.ru + self.cyr


PLACE_GROUPS: tuple[PlaceGroup, ...] = (
    PlaceGroup("kyiv", ("Kyiv",), ("Kiev",), ("Київ", "Киев")),
    PlaceGroup("kharkiv", ("Kharkiv",), ("Kharkov",), ("Харків", "Харьков")),
    PlaceGroup("zaporizhzhia", ("Zaporizhzhia", "Zaporizhia"), ("Zaporozhye", "Zaporozhie"), ("Запорожье",)),
    PlaceGroup("bakhmut", ("Bakhmut",), ("Artemovsk", "Artemivsk"), ("Бахмут", "Артемовск")),
    PlaceGroup("sloviansk", ("Sloviansk", "Slovyansk"), ("Slavyansk",), ("Славянск",)),
    PlaceGroup("pokrovsk", ("Pokrovsk",), ("Krasnoarmeysk", "Krasnoarmiisk"), ("Покровск",)),
    PlaceGroup(
        "kostiantynivka",
        ("Kostiantynivka", "Kostyantynivka"),
        ("Konstantinovka", "Kostantinovka"),
        ("Константиновка",),
    ),
    PlaceGroup("sievierodonetsk", ("Sievierodonetsk",), ("Severodonetsk",), ("Северодонецк",)),
    PlaceGroup("odesa", ("Odesa",), ("Odessa",), ("Одеса", "Одесса")),
    PlaceGroup("lviv", ("Lviv",), ("Lvov",), ("Львів",)),
    PlaceGroup("mykolaiv", ("Mykolaiv",), ("Nikolaev", "Nikolayev"), ("Николаев",)),
    PlaceGroup("dnipro", ("Dnipro",), ("Dnepropetrovsk", "Dnipropetrovsk"), ("Днепр",)),
    PlaceGroup("luhansk", ("Luhansk",), ("Lugansk",), ("Луганск",)),
    PlaceGroup("avdiivka", ("Avdiivka",), ("Avdeevka", "Avdeyevka"), ("Авдеевка",)),
    PlaceGroup("izium", ("Izium",), ("Izyum",), ("Изюм",)),
    PlaceGroup("chernihiv", ("Chernihiv",), ("Chernigov",), ("Чернигов",)),
    PlaceGroup("horlivka", ("Horlivka",), ("Gorlovka",), ("Горловка",)),
    PlaceGroup("vuhledar", ("Vuhledar",), ("Ugledar",), ("Угледар",)),
    PlaceGroup("kramatorsk", ("Kramatorsk",), (), ("Краматорск",)),
    PlaceGroup("mariupol", ("Mariupol",), (), ("Мариуполь",)),
    PlaceGroup("kherson", ("Kherson",), (), ("Херсон",)),
    PlaceGroup("donetsk", ("Donetsk",), (), ("Донецк",)),
)

# (source, style): style decides which spelling of a place an outlet prefers.
SOURCES: tuple[tuple[str, str], ...] = (
    ("reuters.com", "west"),
    ("ukrinform.net", "ua"),
    ("apnews.com", "west"),
    ("bbc.co.uk", "west"),
    ("kyivindependent.com", "ua"),
    ("censor.net", "ua"),
    ("theguardian.com", "west"),
    ("tass.com", "ru"),
    ("aljazeera.com", "west"),
    ("rt.com", "ru"),
    ("nytimes.com", "west"),
    ("dw.com", "west"),
    ("pravda.com.ua", "ua"),
    ("france24.com", "west"),
    ("interfax.com", "ru"),
    ("euronews.com", "west"),
    ("kyivpost.com", "ua"),
    ("politico.eu", "west"),
    ("ria.ru", "ru"),
    ("cnn.com", "west"),
    ("ft.com", "west"),
    ("washingtonpost.com", "west"),
    ("meduza.io", "west"),
    ("news-front.info", "ru"),
)

CATEGORIES: tuple[str, ...] = (
    "war",
    "politics",
    "world",
    "economy",
    "energy",
    "business",
    "society",
    "opinion",
    "technology",
    "health",
    "culture",
    "sport",
    "science",
)

FIRST_NAMES: tuple[str, ...] = _words(
    """
    Oleksandr Volodymyr Andriy Serhiy Dmytro Mykola Olena Iryna Natalia Yulia Oksana Viktor
    Yuriy Petro Taras Roman Maria Anna Sofia Kateryna Ivan Mikhail Sergei Dmitry Vladimir
    Alexei Nikolai Olga Tatiana Elena John David Michael Sarah Emma James Robert Jens Ursula
    Emmanuel Olaf Antony Rishi Joe Boris Annalena Josep Charles
    """
)

SURNAME_SUFFIXES: tuple[str, ...] = (
    "enko",
    "chuk",
    "ov",
    "ev",
    "sky",
    "son",
    "man",
    "ak",
    "ovich",
    "yk",
    "in",
    "ko",
)

_ONSETS = _words("b br c ch d dr f fl g gr h k kr l m n p pl pr r s sh sl st t tr v w z")

_VOWELS = _words("a e i o u a e i o u a e o ai ea ou ee oo")  # repeats weight the plain vowels
_CODAS = ("", "", "", "", "", "n", "r", "l", "t", "m", "d", "nd", "rt", "st", "ck", "ng", "rn", "mp")


_TITLE_SKIP = frozenset(FUNCTION_WORDS[:40])


def _pseudo_word(rng: random.Random, syllables: int) -> str:
    parts = []
    for i in range(syllables):
        parts.append(rng.choice(_ONSETS) + rng.choice(_VOWELS))
        # A coda inside the word makes clusters such as "brandol"; always close the last one.
        if i == syllables - 1 or rng.random() < 0.15:
            parts.append(rng.choice(_CODAS))
    return "".join(parts)


def _zipf_cum_weights(n: int, s: float = 1.07, q: float = 2.7) -> list[float]:
    """Cumulative Zipf-Mandelbrot weights for ranks 1..n (for ``random.choices``)."""
    return list(itertools.accumulate(1.0 / (rank + q) ** s for rank in range(1, n + 1)))


@dataclass(frozen=True)
class _Table:
    items: tuple[str, ...]
    cum: tuple[float, ...]

    @classmethod
    def zipf(cls, items: Sequence[str], s: float = 1.07, q: float = 2.7) -> _Table:
        return cls(tuple(items), tuple(_zipf_cum_weights(len(items), s, q)))

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.items, cum_weights=self.cum, k=k)


class NewsGenerator:
    """Builds the vocabulary once, then streams documents with :meth:`documents`."""

    def __init__(
        self,
        seed: int = 42,
        *,
        pseudo_words: int = 6000,
        surnames: int = 15000,
        mean_body_words: int = 300,
        start_year: int = 2019,
        end_year: int = 2025,
    ) -> None:
        self.seed = seed
        self.mean_body_words = mean_body_words
        self.start = dt.datetime(start_year, 1, 1)
        self.span_seconds = int((dt.datetime(end_year + 1, 1, 1) - self.start).total_seconds())
        # The vocabulary has its own RNG so the document stream does not depend on
        # how many random draws building it took.
        vrng = random.Random(f"vocab-{seed}")
        taken = set(FUNCTION_WORDS) | set(NEWS_WORDS)
        taken |= {v.lower() for g in PLACE_GROUPS for v in g.variants}
        pseudo: list[str] = []
        while len(pseudo) < pseudo_words:
            word = _pseudo_word(vrng, vrng.choice((1, 2, 2, 2, 3)))
            if 4 <= len(word) <= 10 and word not in taken:
                taken.add(word)
                pseudo.append(word)
        # Most pseudo-words appear only in one form; a tenth also get a plural
        # right after them in rank, as real nouns do.
        ranked: list[str] = []
        for word in pseudo:
            ranked.append(word)
            if vrng.random() < 0.1 and not word.endswith(("s", "x")) and word + "s" not in taken:
                taken.add(word + "s")
                ranked.append(word + "s")
        news = list(NEWS_WORDS)
        self.vocabulary: tuple[str, ...] = tuple(FUNCTION_WORDS) + tuple(news) + tuple(ranked)
        self.words = _Table.zipf(self.vocabulary)
        # Each category draws a quarter of its words from its own topic list: a
        # deterministic sample of content words, Zipf-ranked again.
        content = news + ranked
        self.topics = {cat: _Table.zipf(vrng.sample(content, 300), s=1.0, q=1.0) for cat in CATEGORIES}
        surname_set: list[str] = []
        seen: set[str] = set()
        while len(surname_set) < surnames:
            name = (_pseudo_word(vrng, 2) + vrng.choice(SURNAME_SUFFIXES)).capitalize()
            if name.lower() not in taken and name not in seen:
                seen.add(name)
                surname_set.append(name)
        self.surnames = _Table.zipf(surname_set, s=1.0, q=5.0)
        self.first_names = _Table.zipf(FIRST_NAMES, s=0.8)
        self.sources = _Table.zipf([s for s, _ in SOURCES], s=1.1, q=1.0)
        self.source_style = dict(SOURCES)
        self.categories = _Table.zipf(CATEGORIES, s=1.2, q=0.5)
        tag_words = vrng.sample(content, 70) + [g.key for g in PLACE_GROUPS[:10]]
        self.tags = _Table.zipf(tag_words, s=1.0, q=1.0)
        self.places = _Table.zipf([g.key for g in PLACE_GROUPS], s=1.0, q=1.0)
        self.place_by_key = {g.key: g for g in PLACE_GROUPS}

    # -- pieces of a document -------------------------------------------------

    def _date(self, rng: random.Random) -> dt.datetime:
        # u**0.7 leans towards later dates: news volume grows over the years.
        offset = int(self.span_seconds * rng.random() ** 0.7)
        return self.start + dt.timedelta(seconds=offset)

    def _place(self, rng: random.Random, style: str, year: int) -> str:
        group = self.place_by_key[self.places.draw(rng, 1)[0]]
        roll = rng.random()
        if roll < 0.03:
            pool = group.cyr
        elif style == "ru":
            pool = group.ru if roll < 0.75 else group.ua
        elif style == "ua":
            pool = group.ua if roll < 0.93 else group.ru
        else:
            # Western outlets moved to the Ukrainian spellings around 2022.
            pool = group.ru if roll < (0.55 if year < 2022 else 0.15) else group.ua
        pool = pool or group.ua
        # The first spelling in each list is the usual one.
        return pool[0] if len(pool) == 1 or rng.random() < 0.8 else rng.choice(pool[1:])

    def _person(self, rng: random.Random) -> tuple[str, str]:
        return self.first_names.draw(rng, 1)[0], self.surnames.draw(rng, 1)[0]

    def _number(self, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.3:
            return str(rng.randint(2000, 2025))
        if roll < 0.8:
            return str(rng.randint(2, 99))
        return str(rng.randint(100, 50000))

    def _words(self, rng: random.Random, n: int, topic: _Table) -> list[str]:
        words = self.words.draw(rng, n)
        n_topic = n // 4
        if n_topic:
            for pos, word in zip(rng.sample(range(n), n_topic), topic.draw(rng, n_topic), strict=True):
                words[pos] = word
        return words

    def _sentences(self, rng: random.Random, words: list[str], extras: list[str]) -> list[str]:
        # Names, places and numbers go into random slots before the text is cut
        # into sentences, so they land mid-sentence like real mentions do.
        for extra in extras:
            words.insert(rng.randrange(len(words) + 1), extra)
        sentences: list[str] = []
        i = 0
        while i < len(words):
            length = rng.randint(7, 24)
            chunk = words[i : i + length]
            i += length
            if len(chunk) > 4 and rng.random() < 0.35:
                cut = rng.randrange(2, len(chunk) - 1)
                chunk[cut] += ","
            first = chunk[0]
            chunk[0] = first[:1].upper() + first[1:]
            sentences.append(" ".join(chunk) + ".")
        return sentences

    def document(self, rng: random.Random, index: int) -> dict[str, Any]:
        source = self.sources.draw(rng, 1)[0]
        style = self.source_style[source]
        category = self.categories.draw(rng, 1)[0]
        topic = self.topics[category]
        when = self._date(rng)

        extras: list[str] = []
        if rng.random() < 0.45:
            for _ in range(rng.randint(1, 4)):
                extras.append(self._place(rng, style, when.year))
        if rng.random() < 0.6:
            for _ in range(rng.randint(1, 3)):
                first, last = self._person(rng)
                extras.append(f"{first} {last}")
                if rng.random() < 0.5:
                    extras.append(last)
        for _ in range(rng.randint(0, 4)):
            extras.append(self._number(rng))

        n_body = max(80, min(600, int(rng.gauss(self.mean_body_words, 60))))
        sentences = self._sentences(rng, self._words(rng, n_body, topic), extras)
        paragraphs: list[str] = []
        i = 0
        while i < len(sentences):
            step = rng.randint(2, 5)
            paragraphs.append(" ".join(sentences[i : i + step]))
            i += step
        body = "\n\n".join(paragraphs)

        title_words = self._words(rng, rng.randint(8, 14), topic)
        # Headlines skip most function words.
        title_words = [w for w in title_words if w not in _TITLE_SKIP] or title_words
        if extras and rng.random() < 0.5:
            title_words.insert(rng.randrange(len(title_words) + 1), extras[0])
        title = " ".join(title_words)
        title = title[:1].upper() + title[1:]

        n_tags = rng.choice((0, 1, 1, 2, 2, 3, 4))
        tags = list(dict.fromkeys(self.tags.draw(rng, n_tags)))
        return {
            "id": f"syn-{index:07d}",
            "title": title,
            "body": body,
            "date": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "source": source,
            "category": category,
            "tags": tags,
            "lang": "en",
        }

    def documents(self, count: int | None = None, start: int = 0) -> Iterator[dict[str, Any]]:
        """Documents ``start`` .. ``start + count - 1`` (endless when ``count`` is None)."""
        rng = random.Random(f"docs-{self.seed}")
        index = 0
        # Skipping still has to consume the RNG: that is what keeps prefixes stable.
        while count is None or index < start + count:
            doc = self.document(rng, index)
            if index >= start:
                yield doc
            index += 1


def generate(count: int, seed: int = 42) -> Iterator[dict[str, Any]]:
    """Stream ``count`` synthetic articles for ``seed``."""
    return NewsGenerator(seed).documents(count)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write synthetic news articles as JSON Lines to stdout.")
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    out = sys.stdout
    for doc in generate(args.count, args.seed):
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
