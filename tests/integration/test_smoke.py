"""The issue's headline scenario: a file written then read by one shell line, both argv forms."""

from roartest import assert_files, trace, workdir


def test_echo_then_cat_with_separator():
    with workdir() as tmp:
        run = trace(["bash", "-c", "echo hello > t.txt; cat t.txt"], tmp)
        assert run.exit_code == 0
        assert run.stdout == b"hello\n"
        assert_files(run, reads={"t.txt"}, writes={"t.txt"})


def test_echo_then_cat_roar_form_without_separator():
    with workdir() as tmp:
        run = trace(["bash", "-c", "echo hello > t.txt; cat t.txt"], tmp, separator=False)
        assert run.exit_code == 0
        assert_files(run, reads={"t.txt"}, writes={"t.txt"})


def test_unprivileged_variant_really_drops_privileges():
    import os
    if os.environ.get("ROAR_UNPRIVILEGED"):
        assert os.geteuid() != 0 and os.getegid() != 0
    with workdir() as tmp:
        run = trace(["id", "-u"], tmp)
        assert run.exit_code == 0
        assert int(run.stdout) == os.geteuid()
