"""A small, safe XML reader that keeps line numbers: expat straight into a tree of nodes.

Shared by the CliXML reader and the Windows event XML reader. A DOCTYPE or entity declaration is
refused (no entity expansion from untrusted files); nesting is bounded.
"""

from __future__ import annotations

from dataclasses import field
from xml.parsers import expat

from .. import lazyre
from ..errors import EvidenceError
from ..lazydataclass import dataclass  # dataclasses.dataclass, methods made on first use

_DECL = lazyre.compile(r"^\s*<\?xml[^>]*\?>")
MAX_DEPTH = 200


@dataclass(slots=True)
class Node:
    tag: str
    attrs: dict[str, str]
    line: int
    text: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)

    def child(self, tag: str) -> Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def content(self) -> str:
        return "".join(self.text)


def _local(tag: str) -> str:
    return tag.rsplit(":", 1)[-1]


def read_tree(text: str, source: str) -> Node:
    """The XML as nodes with line numbers. Raises EvidenceError for bad or unsafe XML."""
    root = Node("#document", {}, 1)
    stack = [root]
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args: object) -> None:
        raise EvidenceError(
            "XML with a DOCTYPE or entity declaration is refused", source, parser.CurrentLineNumber
        )

    def start(tag: str, attrs: dict[str, str]) -> None:
        if len(stack) > MAX_DEPTH:
            raise EvidenceError(
                f"XML nested deeper than {MAX_DEPTH} levels", source, parser.CurrentLineNumber
            )
        node = Node(_local(tag), attrs, parser.CurrentLineNumber)
        stack[-1].children.append(node)
        stack.append(node)

    def end(_tag: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        stack[-1].text.append(data)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    # The text is already decoded; drop a declaration naming another encoding (same line count).
    body = _DECL.sub(lambda m: "\n" * m.group(0).count("\n"), text, count=1)
    try:
        parser.Parse(body.encode("utf-8", "surrogatepass"), True)
    except expat.ExpatError as exc:
        raise EvidenceError(
            f"not well-formed XML: {expat.ErrorString(exc.code)}", source, exc.lineno
        ) from None
    except RecursionError:
        raise EvidenceError("XML nested too deeply", source) from None
    return root


