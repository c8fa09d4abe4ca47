"""What other apps add to the plan's pages, registered here so that plans imports none of
them: where a plan change came from (e.g. a meeting's decision), for the history, and dated
events (e.g. meetings) shown on the plan's timeline beside the activities."""

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


# (plan, first day, number of days) -> [{"label", "day", "url"}]
TimelineSource = Callable[[object, object, int], list[dict]]
_TIMELINE: list[TimelineSource] = []


def register_timeline_source(source: TimelineSource) -> None:
    if source not in _TIMELINE:
        _TIMELINE.append(source)


def timeline_events(plan, first_day, days: int) -> list[dict]:
    """Dated events within the timeline's period, each placed as a percentage (`left`)."""
    events = [e for source in _TIMELINE for e in source(plan, first_day, days)]
    for e in events:
        e["left"] = round(100 * (e["day"] - first_day).days / days, 1)
    return sorted(events, key=lambda e: e["day"])


# (plan, activities the viewer sees) -> {activity id: [{"label", "text", "url", "edit_url",
# "edit_label"}]}: "text" empty when there is nothing yet, only the link to add it.
ActivitySource = Callable[[object, list], dict[int, list[dict]]]
_ACTIVITY: list[ActivitySource] = []


def register_activity_source(source: ActivitySource) -> None:
    if source not in _ACTIVITY:
        _ACTIVITY.append(source)


def annotate_activities(plan, activities: list) -> None:
    """Set `links` on each activity: what other apps attach to it (e.g. the offer in the
    catalogue it points at). Only activities the viewer sees are passed in: the sharing
    policy decides before any source is asked."""
    for a in activities:
        a.links = []
    if not activities:
        return
    by_id = {a.pk: a for a in activities}
    for source in _ACTIVITY:
        for activity_id, links in source(plan, activities).items():
            if activity_id in by_id:
                by_id[activity_id].links.extend(links)
