import pytest

from rgkit import profiles


def test_environment_selects_the_profile(monkeypatch):
    monkeypatch.delenv(profiles.ENV_VAR, raising=False)
    assert profiles.default_profile() == "full"
    monkeypatch.setenv(profiles.ENV_VAR, "smoke")
    assert profiles.default_profile() == "smoke"
    monkeypatch.setenv(profiles.ENV_VAR, "huge")
    with pytest.raises(ValueError, match="profile must be one of"):
        profiles.default_profile()


def test_every_chapter_has_both_profiles_with_the_same_keys():
    for chapter in profiles._SETTINGS:
        smoke, full = profiles.settings(chapter, "smoke"), profiles.settings(chapter, "full")
        assert set(smoke) == set(full)
        assert set(profiles.settings(chapter, "long")) == set(full)


def test_long_falls_back_to_full_where_a_chapter_has_no_long_setting():
    assert profiles.settings("mapping", "long") == profiles.settings("mapping", "full")
    assert profiles.settings("dbn_rg", "long")["L"] > profiles.settings("dbn_rg", "full")["L"]


def test_settings_refuse_unknown_names():
    with pytest.raises(ValueError, match="chapter"):
        profiles.settings("nope", "smoke")
    with pytest.raises(TypeError):
        profiles.settings("mapping", None)


def test_settings_table_lists_every_setting():
    table = profiles.settings_table("mapping", "smoke")
    assert all(f"`{key}`" in table for key in profiles.settings("mapping", "smoke"))
