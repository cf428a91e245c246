import stat
from pathlib import Path

import pytest

from server.settings import Settings, SettingsError


def test_defaults_use_the_embedded_sqlite_database_under_the_data_folder(tmp_path: Path) -> None:
    s = Settings.from_env({"FIELDKEEP_DATA_DIR": str(tmp_path / "d")})
    assert s.database.url == f"sqlite:///{tmp_path / 'd' / 'fieldkeep.sqlite3'}"
    assert s.database.is_sqlite
    assert (s.server.host, s.server.port, s.server.log_level) == ("127.0.0.1", 8000, "info")
    assert not s.server.secure_cookies


def test_environment_overrides_defaults(tmp_path: Path) -> None:
    s = Settings.from_env(
        {
            "FIELDKEEP_DATA_DIR": str(tmp_path),
            "FIELDKEEP_DATABASE_URL": "postgresql://u@db:5432/fk",
            "FIELDKEEP_PORT": "9100",
            "FIELDKEEP_PUBLIC_BASE_URL": "https://fk.example.cn/",
        }
    )
    assert not s.database.is_sqlite
    assert s.server.port == 9100
    assert s.server.public_base_url == "https://fk.example.cn"
    assert s.server.secure_cookies


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FIELDKEEP_PORT", "eighty"),
        ("FIELDKEEP_PORT", "70000"),
        ("FIELDKEEP_DATABASE_URL", "mysql://x"),
    ],
)
def test_unusable_values_are_refused(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"FIELDKEEP_DATA_DIR": str(tmp_path), name: value})


def test_session_key_is_generated_once_with_mode_0600_and_reused(tmp_path: Path) -> None:
    first = Settings.from_env({"FIELDKEEP_DATA_DIR": str(tmp_path)})
    path = tmp_path / "secrets" / "session.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.secrets.session_key) >= 48
    second = Settings.from_env({"FIELDKEEP_DATA_DIR": str(tmp_path)})
    assert second.secrets.session_key == first.secrets.session_key


def test_session_key_from_environment_is_used_and_not_written(tmp_path: Path) -> None:
    s = Settings.from_env({"FIELDKEEP_DATA_DIR": str(tmp_path), "FIELDKEEP_SESSION_KEY": "k" * 40})
    assert s.secrets.session_key == b"k" * 40
    assert not (tmp_path / "secrets" / "session.key").exists()


def test_secrets_never_appear_in_settings_repr(tmp_path: Path) -> None:
    s = Settings.from_env({"FIELDKEEP_DATA_DIR": str(tmp_path)})
    assert s.secrets.session_key.decode() not in repr(s)
