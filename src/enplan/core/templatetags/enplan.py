from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from enplan.core import labels
from enplan.core.glossary import explain

register = template.Library()


@register.filter
def choice_label(value: str | None, kind: str) -> str:
    """The translated label of a raw choice value from an annotation (kinds: core/labels.py)."""
    return labels.choice_label(value, kind)


@register.filter(needs_autoescape=True)
def glossary(value, autoescape: bool = True) -> SafeString:
    """`{{ text|glossary }}`: the Danish terms in `text` explained inline (core/glossary.py)."""
    html = conditional_escape(value) if autoescape else value
    return explain(str(html))


class GlossaryNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context) -> str:
        return explain(self.nodelist.render(context))


@register.tag(name="glossary")
def glossary_block(parser, token) -> GlossaryNode:
    """`{% glossary %}<h1>…</h1>{% endglossary %}`: the same for a piece of markup (text
    nodes only; links, buttons and form controls are left as they are)."""
    nodelist = parser.parse(("endglossary",))
    parser.delete_first_token()
    return GlossaryNode(nodelist)
