"""The department tree of one enterprise loaded in one query, for walking it in memory.

Siblings are ordered by ``order``, then by name (case-insensitive), then by id. An enterprise
has at most a few thousand departments, so reading all of them is cheaper than asking the
database one level at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mailcore.core.models import Department
from mailcore.directory.tree import root_department


@dataclass(frozen=True)
class Node:
    id: int
    parent_id: int | None
    name: str
    order: int
    hidden: bool


@dataclass
class Tree:
    root_id: int
    nodes: dict[int, Node]
    children: dict[int | None, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.children = {}
        for node in self.nodes.values():
            self.children.setdefault(node.parent_id, []).append(node.id)
        for ids in self.children.values():
            ids.sort(key=self._sort_key)

    def _sort_key(self, pk: int) -> tuple[int, str, int]:
        node = self.nodes[pk]
        return node.order, node.name.casefold(), node.id

    def add(self, node: Node) -> None:
        self.nodes[node.id] = node
        siblings = self.children.setdefault(node.parent_id, [])
        siblings.append(node.id)
        siblings.sort(key=self._sort_key)

    def discard(self, node: Node) -> None:
        self.nodes.pop(node.id, None)
        if node.id in self.children.get(node.parent_id, []):
            self.children[node.parent_id].remove(node.id)

    def child_named(self, parent_id: int, name: str) -> Node | None:
        wanted = name.casefold()
        for pk in self.children.get(parent_id, []):
            if self.nodes[pk].name.casefold() == wanted:
                return self.nodes[pk]
        return None

    def subtree(self, roots: set[int] | list[int]) -> set[int]:
        """The given departments and everything below them."""
        found: set[int] = set()
        frontier = [r for r in roots if r in self.nodes]
        while frontier:
            current = frontier.pop()
            if current not in found:
                found.add(current)
                frontier.extend(self.children.get(current, []))
        return found

    def path(self, pk: int) -> list[Node]:
        """From the root down to ``pk``."""
        nodes: list[Node] = []
        current: int | None = pk
        while current is not None and current in self.nodes and len(nodes) <= len(self.nodes):
            nodes.append(self.nodes[current])
            current = self.nodes[current].parent_id
        return list(reversed(nodes))

    def path_name(self, pk: int) -> str:
        """``研发部/后端组``: the names below the root, joined by slashes."""
        return "/".join(n.name for n in self.path(pk)[1:])

    def walk(self, start: int | None = None) -> list[tuple[Node, int]]:
        """Depth-first, siblings in order: (node, depth), the root at depth 0."""
        out: list[tuple[Node, int]] = []
        stack = [(start if start is not None else self.root_id, 0)]
        while stack:
            pk, depth = stack.pop()
            out.append((self.nodes[pk], depth))
            stack.extend((c, depth + 1) for c in reversed(self.children.get(pk, [])))
        return out

    def visible(self) -> set[int]:
        """Departments members may see: not hidden and under no hidden department."""
        shown: set[int] = set()
        stack = [self.root_id]
        while stack:
            pk = stack.pop()
            if not self.nodes[pk].hidden:
                shown.add(pk)
                stack.extend(self.children.get(pk, []))
        return shown


def node_of(department: Department) -> Node:
    return Node(
        id=department.id,
        parent_id=department.parent_id,
        name=department.name,
        order=department.order,
        hidden=department.hidden,
    )


async def load_tree(enterprise_id: int) -> Tree:
    root = await root_department(enterprise_id)
    rows = await Department.filter(enterprise_id=enterprise_id).values_list(
        "id", "parent_id", "name", "order", "hidden"
    )
    nodes = {pk: Node(pk, parent, name, order, hidden) for pk, parent, name, order, hidden in rows}
    return Tree(root_id=root.id, nodes=nodes)
