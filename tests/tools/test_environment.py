"""A stdio server's environment: a few harmless variables, nothing secret, plus its own."""

from __future__ import annotations

from aijora_tui.core.tools.environment import looks_secret, server_environment

OURS = {
    "PATH": "/usr/bin",
    "HOME": "/home/me",
    "LANG": "en_US.UTF-8",
    "LC_CTYPE": "C.UTF-8",
    "AIJORA_API_KEY": "sk-1",
    "AIJORA_BASE_URL": "https://example.invalid",
    "OPENAI_API_KEY": "sk-2",
    "DEEPSEEK_APIKEY": "sk-3",
    "GITHUB_TOKEN": "t",
    "AWS_SECRET_ACCESS_KEY": "s",
    "PGPASSWORD": "p",
    "EDITOR": "vim",
    "BASH_FUNC_x%%": "() { :; }",
    "TERM": "() { evil; }",
}


def test_only_safe_variables_inherited() -> None:
    assert server_environment({}, OURS) == {
        "PATH": "/usr/bin",
        "HOME": "/home/me",
        "LANG": "en_US.UTF-8",
        "LC_CTYPE": "C.UTF-8",
    }


def test_servers_own_env_on_top() -> None:
    env = server_environment({"NOTES_DIR": "/srv", "PATH": "/opt/bin", "NOTES_TOKEN": "mine"}, OURS)
    assert env["NOTES_DIR"] == "/srv"
    assert env["PATH"] == "/opt/bin"
    assert env["NOTES_TOKEN"] == "mine"  # given on purpose in the server's own table


def test_secret_names() -> None:
    secret = ["AIJORA_MODEL", "OPENAI_API_KEY", "X_APIKEY", "GH_TOKEN", "DB_PASSWORD", "KEY"]
    plain = ["PATH", "HOME", "KEYBOARD_LAYOUT", "MONKEY", "TOKENIZERS_PARALLELISM"]
    assert [looks_secret(name) for name in secret] == [True] * len(secret)
    assert [looks_secret(name) for name in plain] == [False] * len(plain)
