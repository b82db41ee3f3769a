"""The command line in Chinese (issue 14): the language follows the locale, every message the CLI
writes has a catalogue entry (app/clitext.py), every help text too (app/clihelp.py), and real
commands answer in Chinese under LANG=zh_CN.UTF-8 and in English under LANG=C."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import clihelp, clitext
from app.clihelp import HELP_ZH_CN
from app.clitext import ZH_CN, language, translate

ROOT = Path(__file__).resolve().parents[1]
# The modules whose messages reach the terminal as they are written (their errors through
# CliError or BadInput, their lines through out/err.write, parser.error).
CLI_MODULES = [
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "app" / "cli").glob("*.py")),
    "app/service/remote.py",  # the same commands when a service owns the queue
    "app/seturl.py",
    "app/__main__.py",
    "app/batch.py",
    "app/inputfile.py",
    "app/requestargs.py",
]
MESSAGE_CALLS = {"CliError", "BadInput", "write", "error", "translate", "ArgumentTypeError"}
_WORD = re.compile(r"[A-Za-z]{2,}")
_FIELD = re.compile(r"\{(\d*)\}")


def _template(node: ast.AST) -> str | None:
    """The message as the catalogue keys it: literal text, `{}` for each value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _translated_inside(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Call) and getattr(n.func, "id", "") == "translate" for n in ast.walk(node)
    )


def cli_messages() -> Iterator[tuple[str, int, str]]:
    for rel in CLI_MODULES:
        tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in MESSAGE_CALLS:
                continue
            if name == "write" and _translated_inside(node.args[0]):
                continue  # "tether: " + translate(…): the message part is translated
            template = _template(node.args[0])
            if template is None:
                continue
            text = template.removesuffix("\n").removeprefix("tether: ")
            literal = _FIELD.sub("", text)
            if name == "write" and "\x1b" in text:
                continue  # terminal control, not words
            if _WORD.search(literal):
                yield rel, node.lineno, text


def test_every_cli_message_has_a_chinese_entry() -> None:
    missing = [f"{rel}:{line}: {text!r}" for rel, line, text in cli_messages() if text not in ZH_CN]
    assert not missing, "add these to app/clitext.py:\n" + "\n".join(missing)


def test_the_scan_sees_messages_and_skips_data() -> None:
    found = {text for _, _, text in cli_messages()}
    assert "no job with id {}" in found  # CliError(f"…")
    assert "the queue is empty" in found  # translate("…")
    assert "unknown command {} (did you mean {}?)" in found  # parser.error(translate(f"…"))
    assert not any(t.startswith("{}  {}") for t in found)  # the list's data lines


def test_every_entry_keeps_its_values() -> None:
    for english, chinese in ZH_CN.items():
        want = english.count("{}")
        fields = _FIELD.findall(chinese)
        if all(f == "" for f in fields):
            assert len(fields) == want, (english, chinese)
        else:
            assert sorted({int(f) for f in fields}) == list(range(want)), (english, chinese)
        assert re.search(r"[\u4e00-\u9fff]", chinese), english


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LANG": "zh_SG.UTF-8"}, "zh_CN"),
        ({"LANG": "zh_TW.UTF-8"}, "en"),  # Traditional: the English source, not Simplified
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL wins, as gettext has it
        ({"LANG": "C", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LANG": "C", "LANGUAGE": "zh_CN:en"}, "zh_CN"),
    ],
)
def test_language_follows_the_environment_like_gettext(
    environ: dict[str, str], expected: str
) -> None:
    assert language(environ) == expected


def test_translate_fills_values_and_translates_a_reason_inside_a_message() -> None:
    assert translate("no job with id 42", "zh_CN") == "没有编号为 42 的任务"
    assert translate("the queue is empty", "zh_CN") == "队列为空"
    assert translate("not found on the server (404); the partial data is kept", "zh_CN") == (
        "服务器上找不到该文件（404）；已下载的部分数据已保留"
    )
    assert translate("no job with id 42", "en") == "no job with id 42"
    assert translate("something new nobody translated", "zh_CN") == (
        "something new nobody translated"
    )
    # the most specific template wins over a shorter one that also matches
    assert translate("interrupted; run the same command again to resume", "zh_CN") == (
        "已中断；再次运行同一命令即可断点续传"
    )


def test_a_broken_entry_never_hides_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = {**ZH_CN, "no job with id {}": "没有编号为 {3} 的任务"}
    monkeypatch.setitem(clitext.CATALOGUES, "zh_CN", broken)  # type: ignore[arg-type]
    clitext._patterns.cache_clear()
    try:
        assert translate("no job with id 42", "zh_CN") == "no job with id 42"
    finally:
        clitext._patterns.cache_clear()


def _tether(*args: str, data: Path, lang: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.update(PYTHONPATH=str(ROOT), LANG=lang)
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
        check=False,
    )


def test_the_cli_answers_in_chinese_under_a_chinese_locale(tmp_path: Path) -> None:
    data = tmp_path / "d"
    for _ in range(2):  # the same commands twice: the answers do not depend on a first run
        r = _tether("list", data=data, lang="zh_CN.UTF-8")
        assert r.returncode == 0 and r.stdout == "队列为空\n", r
        r = _tether("remove", "42", data=data, lang="zh_CN.UTF-8")
        assert r.returncode == 2 and r.stderr == "tether: 没有编号为 42 的任务\n", r
        r = _tether("get", "ftp://host/file", "-o", str(tmp_path), data=data, lang="zh_CN.UTF-8")
        assert r.returncode == 2 and "不支持的协议" in r.stderr, r
        assert "Traceback" not in r.stderr


def test_a_flag_out_of_range_is_refused_in_chinese(tmp_path: Path) -> None:
    """The option table's range and number checks (parser.setting_type) and the rate
    parser speak the locale's language too, not only argparse's own words around them."""
    data = tmp_path / "d"
    for _ in range(2):
        r = _tether("get", "--jobs", "0", "http://a/", data=data, lang="zh_CN.UTF-8")
        assert r.returncode == 2 and "必须在 1 到 64 之间" in r.stderr, r
        r = _tether("get", "--stall-timeout", "x", "http://a/", data=data, lang="zh_CN.UTF-8")
        assert r.returncode == 2 and "不是秒数：'x'" in r.stderr, r
        r = _tether("get", "--limit", "abc", "http://a/", data=data, lang="zh_CN.UTF-8")
        assert r.returncode == 2 and "不是有效的速率：'abc'" in r.stderr, r
        r = _tether("get", "--jobs", "0", "http://a/", data=data, lang="C.UTF-8")
        assert r.returncode == 2 and "must be between 1 and 64" in r.stderr, r
        assert "Traceback" not in r.stderr


def test_the_cli_stays_english_under_lang_c(tmp_path: Path) -> None:
    data = tmp_path / "d"
    for _ in range(2):
        r = _tether("list", data=data, lang="C.UTF-8")
        assert r.stdout == "the queue is empty\n", r
        r = _tether("remove", "42", data=data, lang="C.UTF-8")
        assert r.stderr == "tether: no job with id 42\n", r


def test_every_help_text_has_a_chinese_entry() -> None:
    from app.cli.parser import build_parser

    missing = sorted(clihelp.help_texts(build_parser()) - HELP_ZH_CN.keys())
    assert not missing, "add these to HELP_ZH_CN in app/clihelp.py:\n" + "\n".join(missing)
    for english, chinese in HELP_ZH_CN.items():
        assert re.search(r"[\u4e00-\u9fff]", chinese), english


def test_help_follows_the_locale(tmp_path: Path) -> None:
    for _ in range(2):
        zh = _tether("--help", data=tmp_path, lang="zh_CN.UTF-8")
        assert zh.returncode == 0 and zh.stdout.startswith("用法：tether"), zh
        assert "显示队列" in zh.stdout and "选项" in zh.stdout
        en = _tether("--help", data=tmp_path, lang="C.UTF-8")
        assert en.stdout.startswith("usage: tether") and "print the queue" in en.stdout
        bad = _tether("list", "--bogus", data=tmp_path, lang="zh_CN.UTF-8")
        assert bad.returncode == 2 and "无法识别的参数：--bogus" in bad.stderr, bad


def test_a_get_through_the_service_answers_in_chinese_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a service running, `tether get` follows its jobs in app/service/remote.py: its
    lines are the same messages as without one, translated the same way."""
    import io

    from app.service.remote import Watch

    class NoNews:
        def take_pending(self) -> list[dict[str, object]]:
            return []

    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    out, err = io.StringIO(), io.StringIO()
    watch = Watch(NoNews(), out, err)  # type: ignore[arg-type]
    base = {"dest_dir": "/tmp", "added_at": 0.0}
    failed = {"id": 1, "url": "https://h/a", "state": "failed"}
    watch.track({**base, **failed, "error": "not found on the server (404)"})
    watch.track({**base, "id": 2, "url": "https://h/b", "state": "paused", "error": None})
    assert watch.wait() == 1
    assert err.getvalue() == (
        "tether: https://h/a: 服务器上找不到该文件（404）\ntether: https://h/b: 未完成（paused）\n"
    )
