"""Running one call of a round: from a sync request thread (the API) or an event loop (the
voice service). Both bound it by TOOL_TIMEOUT and end it with a status; a stop cancels it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable

from shared.tools.hub import ToolOutput, ToolUnavailable
from shared.tools.rounds import STOPPED, Call, Rounds, timed_out
from shared.tools.sessions import describe

# How often a sync call checks whether its reply was stopped (seconds).
STOP_POLL = 0.5


def start(rounds: Rounds, call: Call) -> concurrent.futures.Future[ToolOutput] | None:
    """The call under way, or None when it ended at once (ended with its reason)."""
    hub = rounds.toolbox.hub
    if call.problem is not None or call.tool is None or hub is None:
        rounds.ended(call, "error", call.problem or "No tool server is configured.")
        return None
    try:
        return hub.call(call.tool, call.arguments)
    except ToolUnavailable as exc:
        rounds.ended(call, "error", str(exc))
        return None


def settle(rounds: Rounds, call: Call, output: ToolOutput | BaseException) -> None:
    if isinstance(output, ToolOutput):
        rounds.ended(call, "error" if output.failed else "ok", output.text)
    elif isinstance(output, ToolUnavailable):
        rounds.ended(call, "error", str(output))
    else:
        rounds.ended(call, "error", f"The tool failed ({describe(output)}).")


def run(rounds: Rounds, call: Call, stopped: Callable[[], bool]) -> bool:
    """Run `call` in this thread; False when the reply was stopped meanwhile (`stopped()`)."""
    future = start(rounds, call)
    if future is None:
        return True
    deadline = call.started + rounds.toolbox.timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            future.cancel()
            rounds.ended(call, "timeout", timed_out(rounds.toolbox))
            return True
        try:
            output: ToolOutput | BaseException = future.result(min(STOP_POLL, left))
        except concurrent.futures.TimeoutError:
            if stopped():
                future.cancel()
                rounds.ended(call, "error", STOPPED)
                return False
            continue
        except Exception as exc:  # any failure of the tool is told to the model
            output = exc
        settle(rounds, call, output)
        return True


async def arun(rounds: Rounds, call: Call) -> None:
    """Run `call` from an event loop; cancelling this cancels the call on its server."""
    future = start(rounds, call)
    if future is None:
        return
    try:
        output: ToolOutput | BaseException = await asyncio.wait_for(
            asyncio.wrap_future(future), rounds.toolbox.timeout
        )
    except TimeoutError:
        rounds.ended(call, "timeout", timed_out(rounds.toolbox))
        return
    except Exception as exc:  # any failure of the tool is told to the model
        output = exc
    settle(rounds, call, output)
