"""Where a plan change came from, told by the apps that make changes (e.g. a meeting's
decision): they register a source here, so the plan history can name and link it without
plans importing them."""

from collections.abc import Callable

# (plan, versions) -> {version number: (label, url)}
VersionSource = Callable[[object, list], dict[int, tuple[str, str]]]
_SOURCES: list[VersionSource] = []


def register_version_source(source: VersionSource) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def annotate(plan, versions: list) -> None:
    """Set `source_label` and `source_url` on each version a registered source knows."""
    for v in versions:
        v.source_label, v.source_url = "", ""
    for source in _SOURCES:
        for number, (label, url) in source(plan, versions).items():
            for v in versions:
                if v.number == number:
                    v.source_label, v.source_url = label, url
