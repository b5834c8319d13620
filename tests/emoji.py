"""What counts as an emoji for the app's "no emoji" rule: characters drawn in colour by default (Unicode's
Emoji_Presentation) and any character asked to be drawn as an emoji (followed by U+FE0F). Classroom PCs
often lack a colour-emoji font, and there they show as empty boxes. Text symbols such as ✓ ▶ ⬇ ★ are fine."""
from __future__ import annotations

# Emoji_Presentation=Yes below U+1F000 (Unicode 15); everything in U+1F000–U+1FAFF counts too.
_BMP = [(0x231A, 0x231B), (0x23E9, 0x23EC), (0x23F0, 0x23F0), (0x23F3, 0x23F3), (0x25FD, 0x25FE),
        (0x2614, 0x2615), (0x2648, 0x2653), (0x267F, 0x267F), (0x2693, 0x2693), (0x26A1, 0x26A1),
        (0x26AA, 0x26AB), (0x26BD, 0x26BE), (0x26C4, 0x26C5), (0x26CE, 0x26CE), (0x26D4, 0x26D4),
        (0x26EA, 0x26EA), (0x26F2, 0x26F3), (0x26F5, 0x26F5), (0x26FA, 0x26FA), (0x26FD, 0x26FD),
        (0x2705, 0x2705), (0x270A, 0x270B), (0x2728, 0x2728), (0x274C, 0x274C), (0x274E, 0x274E),
        (0x2753, 0x2755), (0x2757, 0x2757), (0x2795, 0x2797), (0x27B0, 0x27B0), (0x27BF, 0x27BF),
        (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55)]


def is_emoji(ch: str) -> bool:
    o = ord(ch)
    return 0x1F000 <= o <= 0x1FAFF or o == 0xFE0F or any(a <= o <= b for a, b in _BMP)


def emoji_in(text: str) -> list[str]:
    """The emoji in ``text`` (with U+FE0F reported as the character it decorates)."""
    found = []
    for i, ch in enumerate(text):
        if ch == "\ufe0f":
            found.append(text[i - 1: i + 1] if i else ch)
        elif is_emoji(ch):
            found.append(ch)
    return found
