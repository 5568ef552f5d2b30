"""Bio cues: a bio-shaped paragraph naming the byline author is recognised on first sight; prose is not."""

from __future__ import annotations

import pytest

from cleaning.bios import is_bio, named_author, repeated_in_page, tail_bios
from cleaning.sketch import fold

AUTHORS = ["Dana Whitfield"]


@pytest.mark.parametrize(
    "text",
    [
        "Dana Whitfield is a defense reporter based in Brussels who covers NATO.",
        "About the author: Dana Whitfield covers NATO and European militaries from Brussels.",
        "Expert Biography: Dana Whitfield is an aerospace analyst who studies long-range strike.",
        "A Example Defense columnist, Dana Whitfield is a former Army officer and a West Point graduate.",
        "Whitfield previously covered the Balkans. Her work has appeared in two national newspapers.",
        # Whatever the job is called: the paragraph opens with the author and says who they are.
        "Dana Whitfield is the public sector CTO and vice president for customer success at Example Corp.",
        "Dana Whitfield leads the cloud practice at a consulting firm in Denver.",
    ],
)
def test_bio_shapes(text: str) -> None:
    assert is_bio(text, AUTHORS)


@pytest.mark.parametrize(
    ("text", "authors"),
    [
        ("Dana Whitfield is a defense reporter based in Brussels.", ["Omar Haddad"]),  # not the byline author
        ("“He is a veteran of two wars,” Whitfield said of the new commander.", AUTHORS),  # reported speech
        ("Putin is a former intelligence officer who has ruled Russia since 2000.", AUTHORS),  # not the author
        ("The frigate is a long-delayed program, as Whitfield reported last year.", AUTHORS),  # no role word
        ("Dana Whitfield is a reporter. " + "More text follows here. " * 60, AUTHORS),  # far too long for a bio
        ("Dana Whitfield is a defense reporter.", []),  # no byline: nobody to name
        ("Omar Haddad is the chief of staff at the ministry.", AUTHORS),  # opens with someone else
        ("Whitfield is right that the frigate is late.", AUTHORS),  # the surname alone opens no bio
    ],
)
def test_not_bios(text: str, authors: list[str]) -> None:
    assert not is_bio(text, authors)


def test_named_author_by_full_name_or_surname() -> None:
    assert named_author("DANA WHITFIELD writes on NATO.", AUTHORS) == "Dana Whitfield"
    assert named_author("Whitfield writes on NATO.", AUTHORS) == "Dana Whitfield"
    assert named_author("whitfield writes on NATO.", AUTHORS) is None  # a lowercase word is not a name
    assert named_author("Li writes on China.", ["Wei Li"]) is None  # short surnames need the full name


def test_only_the_tail_of_the_body_is_searched() -> None:
    bio = AUTHORS[0] + " is a defense reporter based in Brussels."
    paragraphs = [bio, *(f"Paragraph {i} of the story." for i in range(6)), bio, "Sign up now!"]
    removed = [False] * len(paragraphs)
    assert tail_bios(paragraphs, removed, AUTHORS) == [7]


def test_repeated_in_page() -> None:
    bio = "Dana Whitfield is a defense reporter based in Brussels who covers NATO."
    page = fold(f"Headline {bio} More text. About the author {bio} Footer")
    assert repeated_in_page(bio, page)
    assert not repeated_in_page(bio, fold(f"Headline {bio} Footer"))
    assert not repeated_in_page("Short line.", fold("Short line. Short line."))  # too short to tell
