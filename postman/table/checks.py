"""Named checks for the rows of the request table; each renders as one Postman test.

A check reads a subject (`body`: the JSON response, or the data of the stream's `done` event) and
asserts one thing about it. Paths are JavaScript accessors on the subject: `"id"`, `"[0].id"`,
`"user_message.content"`, `""` for the subject itself. Values are JSON literals, or `var(name)` /
`field(path)` for a collection variable / another field of the same subject.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Literal

Subject = Literal["none", "json", "done_event"]

# The stream's `done` event: the last blank-line separated event named done, data lines joined.
DONE_EVENT = """\
const text = pm.response.text();
const done = text.split(/\\r?\\n\\r?\\n/).find((e) => e.includes("event: done"));
pm.expect(done, "a done event").to.be.a("string");
const body = JSON.parse(done.split(/\\r?\\n/).filter((l) => l.startsWith("data:"))
    .map((l) => l.slice(5).trim()).join("\\n"));"""

PREAMBLES: dict[Subject, str] = {
    "none": "",
    "json": "const body = pm.response.json();",
    "done_event": DONE_EVENT,
}


@dataclass(frozen=True)
class Check:
    """One Postman test (`title` set) or a bare statement (`title` None: no assertion)."""

    title: str | None
    code: str
    subject: Subject = "json"

    def script(self) -> str:
        if self.title is None:
            return self.code
        lines = "\n".join(filter(None, (PREAMBLES[self.subject], self.code)))
        indented = "\n".join("    " + line for line in lines.splitlines())
        return f"pm.test({json.dumps(self.title)}, function () {{\n{indented}\n}});"


@dataclass(frozen=True)
class Ref:
    """A value known only at run time: a collection variable or another field of the subject."""

    expression: str
    label: str


def var(name: str, *, number: bool = False) -> Ref:
    expression = f"pm.collectionVariables.get({json.dumps(name)})"
    return Ref(f"Number({expression})" if number else expression, name)


def field(path: str) -> Ref:
    return Ref(at(path), at(path))


def at(path: str) -> str:
    """The JavaScript expression for `path` on the subject `body`."""
    if not path or path[0] in ".[":
        return "body" + path
    return "body." + path


def literal(value: Any) -> str:
    return value.expression if isinstance(value, Ref) else json.dumps(value, ensure_ascii=False)


def label(value: Any) -> str:
    return value.label if isinstance(value, Ref) else json.dumps(value, ensure_ascii=False)


def expect(path: str, assertion: str, title: str) -> Check:
    return Check(title, f"pm.expect({at(path)}).{assertion};")


# --- values of the subject -----------------------------------------------------------------


def equals(path: str, value: Any) -> Check:
    return expect(path, f"to.eql({literal(value)})", f"{at(path)} is {label(value)}")


def differs(path: str, value: Any) -> Check:
    return expect(path, f"to.not.eql({literal(value)})", f"{at(path)} is not {label(value)}")


def one_of(path: str, values: list[Any]) -> Check:
    return expect(path, f"to.be.oneOf({literal(values)})", f"{at(path)} is one of {label(values)}")


def is_type(path: str, kind: str) -> Check:
    article = "an" if kind[0] in "aeiou" else "a"
    return expect(path, f"to.be.{article}({json.dumps(kind)})", f"{at(path)} is {article} {kind}")


def non_empty_string(*paths: str) -> tuple[Check, ...]:
    return tuple(
        expect(path, "to.be.a('string').and.not.empty", f"{at(path)} is a non-empty string")
        for path in paths
    )


def non_empty_list(path: str = "") -> Check:
    return expect(path, "to.be.an('array').that.is.not.empty", f"{at(path)} is a non-empty list")


def is_above(path: str, value: Any) -> Check:
    return expect(path, f"to.be.above({literal(value)})", f"{at(path)} is above {label(value)}")


def starts_with(path: str, prefix: str) -> Check:
    pattern = regex(prefix, start=True)
    return expect(path, f"to.match({pattern})", f"{at(path)} starts with {prefix}")


def has_fields(*names: str, within: str = "") -> Check:
    code = "\n".join(f"pm.expect({at(within)}).to.have.property({json.dumps(n)});" for n in names)
    return Check(f"{at(within)} has {', '.join(names)}", code)


def lacks_fields(*names: str) -> Check:
    listed = ", ".join(json.dumps(name) for name in names)
    return Check(
        f"body has none of {', '.join(names)}", f"pm.expect(body).to.not.have.any.keys({listed});"
    )


def list_length(count: int | Ref, path: str = "") -> Check:
    return expect(
        path, f"to.have.lengthOf({literal(count)})", f"{at(path)} has {label(count)} items"
    )


def column(name: str, path: str = "") -> str:
    return f"{at(path)}.map((item) => item.{name})"


def column_includes(name: str, value: Any, path: str = "") -> Check:
    code = f"pm.expect({column(name, path)}).to.include({literal(value)});"
    return Check(f"the {name} values of {at(path)} include {label(value)}", code)


def column_equals(name: str, values: list[Any], path: str = "") -> Check:
    code = f"pm.expect({column(name, path)}).to.eql({literal(values)});"
    return Check(f"the {name} values of {at(path)} are {label(values)}", code)


def each_equals(name: str, value: Any, path: str = "") -> Check:
    code = f"{at(path)}.forEach((item) => pm.expect(item.{name}).to.eql({literal(value)}));"
    return Check(f"every item of {at(path)} has {name} {label(value)}", code)


def each_has_exactly(path: str, *keys: str) -> Check:
    listed = ", ".join(json.dumps(key) for key in keys)
    code = f"{at(path)}.forEach((item) => pm.expect(item).to.have.keys({listed}));"
    return Check(f"every item of {at(path)} has exactly {', '.join(keys)}", code)


def error_fields(*names: str, location: str = "json") -> Check:
    # Body field errors may be grouped by location (webargs: {"json": {...}}) or flat.
    errors = "body.errors.json || body.errors" if location == "json" else f"body.errors.{location}"
    checks = "\n".join(f"pm.expect(fields).to.have.property({json.dumps(n)});" for n in names)
    code = f"pm.expect(body.errors).to.be.an('object');\nconst fields = {errors};\n{checks}"
    return Check(f"errors name the broken {location} fields {', '.join(names)}", code)


def error_reason(reason: str) -> Check:
    return expect("errors.reason", f"to.eql({json.dumps(reason)})", f"the error reason is {reason}")


def documents_paths(*paths: str) -> Check:
    """The OpenAPI document lists `paths`; parameter names are compared as `{}`."""
    anonymous = "(path) => path.replace(/\\{[^}]+\\}/g, '{}')"
    expected = ", ".join(json.dumps(path) for path in paths)
    code = (
        f"const documented = Object.keys(body.paths).map({anonymous});\n"
        f"[{expected}].map({anonymous})\n"
        "    .forEach((path) => pm.expect(documented).to.include(path));"
    )
    return Check(f"documents {len(paths)} endpoints", code)


# --- variables passed on to later requests -------------------------------------------------


def saves(variable: str, path: str) -> Check:
    code = (
        f"const value = {at(path)};\n"
        f'pm.expect(value, "{at(path)}").to.not.be.undefined;\n'
        f"pm.collectionVariables.set({json.dumps(variable)}, value);"
    )
    return Check(f"saves {at(path)} as {variable}", code)


def saves_json(variable: str) -> Check:
    code = f"pm.collectionVariables.set({json.dumps(variable)}, JSON.stringify(body));"
    return Check(f"saves the body as {variable}", code)


def sets(variable: str, value: Any) -> Check:
    return Check(None, f"pm.collectionVariables.set({json.dumps(variable)}, {literal(value)});")


def counts_turn() -> Check:
    """A stored turn adds two messages; the cleanup folder checks the running total."""
    return Check(
        None,
        "const stored = Number(pm.collectionVariables.get('expected_messages') || 0);\n"
        "pm.collectionVariables.set('expected_messages', stored + 2);",
    )


# --- the response itself: headers, text, streams -------------------------------------------


def header(name: str) -> Check:
    code = f"pm.response.to.have.header({json.dumps(name)});"
    return Check(f"has header {name}", code, "none")


def header_equals(name: str, value: str) -> Check:
    code = f"pm.expect(pm.response.headers.get({json.dumps(name)})).to.eql({json.dumps(value)});"
    return Check(f"header {name} is {value}", code, "none")


def content_type(media: str) -> Check:
    code = (
        f'pm.expect(pm.response.headers.get("Content-Type")).to.match({regex(media, start=True)});'
    )
    return Check(f"Content-Type is {media}", code, "none")


def text_includes(text: str) -> Check:
    code = f"pm.expect(pm.response.text()).to.include({json.dumps(text, ensure_ascii=False)});"
    return Check(f"the text includes {text}", code, "none")


def from_done_event(*checks: Check) -> tuple[Check, ...]:
    """The same checks on the data of the stream's `done` event instead of a JSON body."""
    return tuple(
        replace(check, title=f"done event: {check.title}", subject="done_event") for check in checks
    )


def js(title: str, code: str, subject: Subject = "json") -> Check:
    """A one-off check written in JavaScript (`body` is the JSON response)."""
    return Check(title, code.strip("\n"), subject)


def regex(text: str, *, start: bool = False) -> str:
    escaped = "".join("\\" + char if char in "/.+*?()[]{}|^$\\" else char for char in text)
    return f"/{'^' if start else ''}{escaped}/"
