"""The view a teacher can share: language, model, sentence(s), layer, head, masked positions, projector mode,
and a few pages' own choices (the query token, the bertviz view, the classifier).

These few values follow the learner from page to page (they live in ``st.session_state`` under the
names in ``FIELDS``) and are mirrored into the URL, so a copied link opens the same view. Parsing
the URL is pure and forgiving: a value that does not parse is ignored, never an error page.
"""
from __future__ import annotations

from .examples import opening_pair
from .i18n import FALLBACK, LANGS

MAX_URL_TEXT = 500        # characters of a sentence kept in the URL (links stay shareable)


def _positions(value: str) -> tuple[int, ...]:
    found = sorted({int(p) for p in value.split(",") if p.strip().isdigit()})
    return tuple(p for p in found if p < 512)


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _small_int(value: str) -> int:
    number = int(value)
    if not 0 <= number < 1000:
        raise ValueError(value)
    return number


def _beam(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 8:                               # the page's slider range
        raise ValueError(value)
    return number


def _number(value: str) -> int:
    """A lesson or a step as the app shows it, counted from 1 (kept as shown: lesson=2 is lesson 2)."""
    number = _small_int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _counted(value: str) -> int:
    """A layer or head as the app shows it, counted from 1 ("2" = the second) → 0-based."""
    number = _small_int(value)
    if number < 1:
        raise ValueError(value)
    return number - 1


# session name → (default, parse from a URL string, format to a URL string). A default of None: only a link sets it.
FIELDS = {
    "lang": (FALLBACK, lambda v: v if v in LANGS else None, str),
    "model": ("", str, str),
    "text": ("", lambda v: v[:MAX_URL_TEXT], str),
    "pair": ("", lambda v: v[:MAX_URL_TEXT], str),
    "layer": (0, _counted, lambda v: str(v + 1)),         # in the URL as on screen: layer=2 is "Layer 2"
    "head": (0, _counted, lambda v: str(v + 1)),
    "masked": ((), _positions, lambda v: ",".join(map(str, v))),
    "present": (False, _flag, lambda v: "1" if v else "0"),
    "ah_query": (None, _small_int, str),                   # one head: the query token (its position)
    "mh_view": ("head", lambda v: v if v in ("head", "model") else None, str),   # bertviz head or model view
    "sentiment_model": (None, str, str),                   # the Sentiment page's classifier …
    "sentiment_review": (None, lambda v: v[:MAX_URL_TEXT] or None, str),   # … and the review it classifies
    "s2s_value": (None, lambda v: v[:MAX_URL_TEXT] or None, str),    # the encoder-decoder's source text
    "s2s_beam": (None, _beam, str),                        # … and its beam size
    "lesson": (None, _number, str),                        # the Lessons page: which lesson (from 1) …
    "lesson_step": (None, _number, str),                   # … and which of its steps (from 1)
}
URL_NAMES = {"ah_query": "query", "mh_view": "view", "sentiment_model": "classifier", "sentiment_review": "review",
             "s2s_value": "source", "s2s_beam": "beam", "lesson_step": "step"}   # else the session name


def url_name(name: str) -> str:
    return URL_NAMES.get(name, name)


def parse_params(params: dict[str, str]) -> dict:
    """URL query → {field: value} for the fields present and valid; everything else is dropped."""
    out = {}
    for name, (_, parse, _) in FIELDS.items():
        if url_name(name) not in params:
            continue
        try:
            value = parse(str(params[url_name(name)]))
        except (ValueError, TypeError):
            continue
        if value is not None:
            out[name] = value
    return out


def to_params(state: dict, page: str | None = None) -> dict[str, str]:
    """{field: value} → URL query, leaving out values equal to their default (short links)."""
    out = {}
    for name, (default, _, fmt) in FIELDS.items():
        value = state.get(name, default)
        if value != default and value not in (None, ""):
            out[url_name(name)] = fmt(value)[:MAX_URL_TEXT]
    if page:
        out["page"] = page
    return out


def defaults(lang: str = FALLBACK) -> dict:
    """First visit: every field's default, with example sentences in the chosen language."""
    values = {name: default for name, (default, _, _) in FIELDS.items() if default is not None}
    text, pair = opening_pair(lang)
    values.update(lang=lang, text=text, pair=pair)
    return values


def switched_defaults(values: dict, new_lang: str) -> dict:
    """On a language switch: each sentence that is still one of the other language's examples (in either
    box: the NSP page can swap them) becomes the new language's example; the masked positions of the old
    sentence are dropped with it. What the learner typed stays. → {field: new value} to apply."""
    new = opening_pair(new_lang)
    examples = {old: now for lang in LANGS if lang != new_lang
                for old, now in zip(opening_pair(lang), new, strict=True)}
    out = {}
    for name in ("text", "pair"):
        value = str(values.get(name) or "").strip()
        if value in examples:
            out[name] = examples[value]
    if "text" in out:
        out["masked"] = ()
    return out
