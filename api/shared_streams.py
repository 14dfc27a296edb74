"""One execution of a subscription for all the websockets that asked for it the same way.

strawberry runs every subscription on its own: a task per operation, a bus subscription per
operation, and for each event a GraphQL execution of the selection and a JSON encoding of
the frame. A member with ten open tabs cost ten of each per event; a mail to 100 members
with 1,000 sockets cost 1,000 executions, ~0.2 ms of event-loop time each
(docs/benchmarks.md, issue 18).

Here the operations of one member (or one session, as the field declares: see
``schema.execution.sharing``) with the same document, variables and operation name form a
``SharedStream``: one task runs ``schema.stream`` once with a context of that member, each
result is encoded once, and the same frame text (only the operation id differs) is written
to every socket of the group, together rather than one after the other. Permissions and
validation ran for the group's first operation with the same member and document; each
socket's session is still checked before it joins (``api.graphql.SessionSocket``) and by
the sweeper of ``api.live_sockets``. A socket that completes its operation or goes away
leaves the group; a socket whose send fails is dropped; the last one out stops the stream
(and its bus subscription). When the stream ends, every socket gets ``complete`` (or the
``error`` frame of a request that could not run).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from contextlib import suppress
from typing import Any, Protocol

from graphql import GraphQLError
from prometheus_client import Counter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

from mailcore.core import metrics

log = logging.getLogger(__name__)

EXECUTIONS = Counter(
    "qiyou_graphql_subscription_executions",
    "Executions of a subscription's selection for an event, one per group of sockets "
    "sharing it (api/shared_streams.py)",
    registry=metrics.REGISTRY,
)
FRAMES = Counter(
    "qiyou_graphql_subscription_frames",
    "next frames written to websockets by shared subscription streams",
    registry=metrics.REGISTRY,
)

Key = tuple[str, int, str, str, str | None]  # scope, member or session id, query, vars, name


class SharingSocket(Protocol):
    """What a group needs of a websocket handler (``api.graphql.SessionSocket``)."""

    async def send_text(self, text: str) -> bool: ...

    def leave_shared(self, operation_id: str) -> None: ...


_streams: dict[Key, SharedStream] = {}


def key(scope: str, owner: int, payload: dict[str, Any]) -> Key | None:
    """The group of a subscribe payload shared by ``scope`` (owner: member or session id);
    None when its parts are not what graphql-transport-ws sends (strawberry answers it)."""
    query, variables = payload.get("query"), payload.get("variables")
    name = payload.get("operationName")
    if not isinstance(query, str) or not isinstance(name, str | None):
        return None
    if not isinstance(variables, dict | None):
        return None
    try:
        encoded = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return (scope, owner, query, encoded, name)


def join(
    group: Key,
    socket: SharingSocket,
    operation: Operation[Any, Any],
    schema: Any,
    context: Callable[[], Any],
) -> SharedStream:
    """Add ``operation`` of ``socket`` to its group's stream, started (with ``context()``,
    the context of its one execution) if the group has none running."""
    stream = _streams.get(group)
    if stream is None:
        stream = SharedStream(group, schema, context())
        _streams[group] = stream
        stream.start()
    stream.add(socket, operation)
    return stream


def open_streams() -> int:
    return len(_streams)


class SharedStream:
    """The running subscription of one group and the operations (socket, id) it serves."""

    def __init__(self, group: Key, schema: Any, context: Any) -> None:
        self.group = group
        self.schema = schema
        self.context = context
        self.listeners: dict[tuple[int, str], tuple[SharingSocket, Operation[Any, Any]]] = {}
        self.task: asyncio.Task[None] | None = None
        self.ended = False

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="qiyou-shared-subscription")

    def add(self, socket: SharingSocket, operation: Operation[Any, Any]) -> None:
        self.listeners[(id(socket), operation.id)] = (socket, operation)

    def discard(self, socket: SharingSocket, operation_id: str) -> None:
        """The operation leaves the group; the last one out stops the stream."""
        self.listeners.pop((id(socket), operation_id), None)
        if not self.listeners and not self.ended:
            self._forget()
            if self.task is not None and self.task is not asyncio.current_task():
                self.task.cancel()  # (from within, ``_run`` sees it has no listeners)

    def _forget(self) -> None:
        """No operation joins this stream any more (a new one starts a new stream)."""
        self.ended = True
        if _streams.get(self.group) is self:
            del _streams[self.group]

    async def _run(self) -> None:
        _scope, _owner, query, variables, name = self.group
        try:
            source = await self.schema.stream(
                query,
                variable_values=json.loads(variables) or None,
                context_value=self.context,
                operation_name=name,
            )
            async with aclosing(source):
                first = True
                async for result in source:
                    if first and isinstance(result, PreExecutionError):
                        await self._end([e.formatted for e in result.errors or ()])
                        return
                    first = False
                    if not isinstance(result, ExecutionResult):
                        message = "Incremental delivery is not supported over graphql-transport-ws"
                        await self._end([GraphQLError(message).formatted])
                        return
                    EXECUTIONS.inc()
                    await self._send_next(result)
                    if not self.listeners:
                        return  # every socket went away while it was sent
            await self._end(None)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("a shared subscription stream failed")
            with suppress(Exception):
                await self._end(None)
        finally:
            self._forget()

    async def _send_next(self, result: ExecutionResult) -> None:
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [error.formatted for error in result.errors]
        if result.extensions:
            payload["extensions"] = result.extensions
        encoded = json.dumps(payload, separators=(",", ":"))
        listeners = list(self.listeners.values())
        if len(listeners) == 1:
            await self._deliver(*listeners[0], encoded)
        else:  # together: a socket that must wait for its buffer does not hold up the others
            await asyncio.gather(*(self._deliver(s, o, encoded) for s, o in listeners))

    async def _deliver(
        self, socket: SharingSocket, operation: Operation[Any, Any], payload: str
    ) -> None:
        frame = f'{{"id":{json.dumps(operation.id)},"type":"next","payload":{payload}}}'
        if await socket.send_text(frame):
            FRAMES.inc()
            return
        socket.leave_shared(operation.id)  # gone or revoked: its handler cleans up the rest
        self.discard(socket, operation.id)

    async def _end(self, errors: list[Any] | None) -> None:
        """Tell every operation the stream is over: ``error`` with ``errors``, else
        ``complete``."""
        self._forget()
        listeners, self.listeners = list(self.listeners.values()), {}
        for socket, operation in listeners:
            message: Message
            if errors is None:
                message = {"id": operation.id, "type": "complete"}
            else:
                message = {"id": operation.id, "type": "error", "payload": errors}
            with suppress(Exception):  # a socket that went away meanwhile
                await operation.send_operation_message(message)  # forgets the operation
            socket.leave_shared(operation.id)
