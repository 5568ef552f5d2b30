"""Author bios that statistics cannot learn yet: a new author's bio appears once or twice.

A bio has a recognisable shape in any publication: a third-person paragraph that names the byline
author and says who they are ("X is a …", "His work has appeared in …", "About the author: …"), at
the end of the body. The cues below are generic English bio grammar, never phrases of one site.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cleaning.sketch import fold

# How many trailing paragraphs may hold a pasted bio (bio, second bio variant, a CTA, a teaser).
TAIL_PARAGRAPHS = 4
MAX_BIO_WORDS = 150

_LABEL = re.compile(
    r"^[^.:!?]{0,60}\b(?:biography|bio|about the author|about the writer)\b[^.:!?]{0,30}:", re.IGNORECASE
)
_WORK = re.compile(
    r"\b(?:his|her|their)\s+(?:work|writing|articles?|analysis|reporting|commentary|research|essays?)\s+"
    r"(?:has|have)\s+(?:also\s+)?(?:appeared|been\s+(?:featured|published))",
    re.IGNORECASE,
)
_IS_A = re.compile(r"\b(?:is|was|serves as|served as|works as|has been)\s+(?:a|an|the)\b", re.IGNORECASE)
_ROLE = re.compile(
    r"\b(?:editor|columnist|correspondent|reporter|writer|journalist|analyst|fellow|contributor|author|"
    r"professor|researcher|scholar|expert|veteran|officer|director|host|producer|consultant|historian|"
    r"lecturer|graduate)s?\b",
    re.IGNORECASE,
)
_OPENING = re.compile(
    r"^(?:about the author:?\s*)?([A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})\s+"
    r"(?:is|was|serves|served|works|worked|leads|led|has\s+(?:been|spent|worked|covered|written)|joined|writes)\b"
)
_REPORTED_SPEECH = re.compile(r"\b(?:said|says|told|asked)\b|[“”\"]", re.IGNORECASE)


def named_author(text: str, authors: Sequence[str]) -> str | None:
    """The byline author this paragraph names: full name, or the surname as a capitalised word."""
    folded = f" {fold(text)} "
    for author in authors:
        if f" {fold(author)} " in folded:
            return author
        surname = author.split()[-1] if author.split() else ""
        if len(surname) >= 3 and re.search(rf"\b{re.escape(surname)}\b", text):
            return author
    return None


def is_bio(text: str, authors: Sequence[str]) -> bool:
    """A third-person paragraph about a byline author: named, and shaped like a biography."""
    if not authors or len(text.split()) > MAX_BIO_WORDS or named_author(text, authors) is None:
        return False
    if _LABEL.search(text) or _WORK.search(text) or _opens_with_the_author(text, authors):
        return True
    return bool(_IS_A.search(text) and _ROLE.search(text) and not _REPORTED_SPEECH.search(text))


def _opens_with_the_author(text: str, authors: Sequence[str]) -> bool:
    """ "Chris Radich is the public sector CTO …": the paragraph's subject is the byline author, and
    what follows says who they are — whatever their job is called."""
    opening = _OPENING.match(text)
    return opening is not None and any(fold(opening[1]) == fold(a) for a in authors)


def tail_bios(paragraphs: Sequence[str], removed: Sequence[bool], authors: Sequence[str]) -> list[int]:
    """Indexes of bio-shaped paragraphs among the last paragraphs still in the body."""
    kept = [i for i, gone in enumerate(removed) if not gone]
    return [i for i in kept[-TAIL_PARAGRAPHS:] if is_bio(paragraphs[i], authors)]


def repeated_in_page(paragraph: str, folded_page: str) -> bool:
    """The paragraph is printed again elsewhere on the page (an author box repeating the pasted bio).

    ``folded_page`` is ``sketch.fold`` of the page's visible text, folded once per page by the caller.
    """
    folded = fold(paragraph)
    return len(folded) >= 40 and folded_page.count(folded) >= 2
