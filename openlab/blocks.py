"""StreamField blocks shared by every page type (templates in templates/blocks/)."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr"]


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("引用"))
    source = blocks.CharBlock(label=_("出典"), required=False)

    class Meta:
        icon = "openquote"
        template = "blocks/quote_block.html"


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("見出し"), form_classname="title", template="blocks/heading_block.html"
    )
    paragraph = blocks.RichTextBlock(label=_("本文"), features=RICH_TEXT_FEATURES)
    image = ImageBlock(label=_("画像"), template="blocks/image_block.html")
    quote = QuoteBlock(label=_("引用"))

    class Meta:
        template = "blocks/body_block.html"
