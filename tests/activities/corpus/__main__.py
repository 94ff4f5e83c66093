"""Write the corpus's files and print each one's figures as read next to the expected."""

import sys
from pathlib import Path

from academy.activities import parsing
from tests.activities.corpus import CASES

FIGURES = ("sport", "distance_m", "duration_seconds", "moving_seconds")


def _figures(leg: dict) -> str:
    return " ".join(str(leg.get(name)) for name in FIGURES)


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "files"
    folder.mkdir(parents=True, exist_ok=True)
    print("| file | shape | expected (sport, m, s, moving s) | answered |")
    print("| --- | --- | --- | --- |")
    for case in CASES:
        data = case.make()
        (folder / case.name).write_bytes(data)
        expected = case.refused or "; ".join(_figures(leg) for leg in case.expected)
        try:
            answered = "; ".join(_figures(leg) for leg in parsing.parse(data)["legs"])
        except parsing.UnreadableFile as error:
            answered = f"422: {error}"
        print(f"| {case.name} | {case.shape} | {expected} | {answered} |")


if __name__ == "__main__":
    main()
