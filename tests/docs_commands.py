#!/usr/bin/env python3
"""The commands the docs tell a user to type still exist (TAP).

    docs_commands.py SRCDIR BUILDDIR

Reads README.md, docs/*.md (fenced blocks and inline code) and the man pages
(docs/*.5, docs/*.8: SYNOPSIS, .nf/.fi displays and macro lines), and checks:
  otpsmsd, otpsmsctl   every option and subcommand is in the built program's
                       --help (a subcommand's options in its own part of it);
  configure            every --option is in configure --help;
  make TARGET          the target is in the generated Makefile;
  scripts/, tests/, bench/, ... paths exist (in the source tree, as a
                       source of a built program, or built), and the options
                       given to a script of the tree appear in that script;
  pam_otpsms.so ARGS   every argument is an option of the module (through
                       otpsmsctl check-pam, which asks the module's own
                       parser; conf= files written as "key=value" blocks too).
Lines of output in the examples are skipped: a line is checked only when it
starts with one of these commands (after a "$ " or "# " prompt, VAR=value,
sudo or runuser). Upper-case words in paths (TARGET, DIR) are placeholders."""
import glob
import os
import re
import shlex
import subprocess
import sys

src, build = sys.argv[1], sys.argv[2]
n = 0
failed = 0


def tap(good, what, why=""):
    global n, failed
    n += 1
    if good:
        print("ok %d - %s" % (n, what))
    else:
        failed += 1
        print("not ok %d - %s" % (n, what))
        if why:
            print("#   " + why)


def run(argv):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True).stdout


# --- what the programs say they accept -------------------------------------
OPT = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def options(text):
    found = set()
    for o in OPT.findall(text):
        if o.startswith("--"):
            found.add(o)
        else:
            found.update("-" + ch for ch in o[1:])
    return found


d_help = run([os.path.join(build, "otpsmsd"), "--help"])
d_opts = options(d_help)
c_help = run([os.path.join(build, "otpsmsctl"), "--help"])
# otpsmsctl: the global options are those before the first subcommand on the
# usage lines; each subcommand's own are in the segment that names it.
c_global = {"--help", "--version"}
c_sub = {}
usage = []
for line in c_help.split("\n"):
    if line.strip().startswith("-"):
        c_global.update(options(line.split()[0]))
    else:
        usage.append(line.replace("usage:", ""))
usage = " ".join(usage).replace("otpsmsctl", "|")
for seg in usage.split("|"):
    seg = re.sub(r"\[-[csu] [^]]*\]", "", seg).strip()
    m = re.match(r"([a-z][a-z-]+)\b(.*)", seg)
    if m:
        c_sub[m.group(1)] = options(m.group(2))
cf_help = run([os.path.join(src, "configure"), "--help"])
cf_opts = set(re.findall(r"(?<![\w-])(--[a-z][\w-]*)", cf_help))
targets = set()
with open(os.path.join(build, "Makefile"), encoding="utf-8", errors="replace") as f:
    for line in f:
        m = re.match(r"^([^\s#:=$][^:=]*?)\s*::?(?!=)", line)
        if m:
            targets.update(m.group(1).split())
tap("-t" in d_opts and "--version" in d_opts, "otpsmsd --help lists its options",
    " ".join(sorted(d_opts)))
tap({"status", "check-pam", "test-send"} <= set(c_sub),
    "otpsmsctl --help lists its subcommands", " ".join(sorted(c_sub)))
tap("--with-seccomp" in cf_opts and "check" in targets,
    "configure --help and the Makefile were read")

# --- the snippets ------------------------------------------------------------
ROFF_FONT = re.compile(r"\\f(\[[^]]*\]|\(..|.)")


def roff_text(s):
    s = ROFF_FONT.sub("", s)
    s = s.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")
    s = s.replace("\\(bu", "*").replace("\\ ", " ").replace("\\|", "")
    return s


def roff_macro(line):
    """A macro line (.B, .BR, ...) as the words it prints, else None."""
    m = re.match(r"^\.(BR|RB|IR|RI|BI|IB|B|I|R)(?:\s+(.*))?$", line)
    if not m:
        return None
    try:
        args = shlex.split(roff_text(m.group(2) or "").replace("'", "\u2019"))
    except ValueError:
        args = roff_text(m.group(2) or "").split()
    if len(m.group(1)) == 1:
        return " ".join(args)
    return "".join(args)


synopses = {}   # man page: its SYNOPSIS lines


def snippets(path):
    """(line number, text, kind): kind "line" for a line of a block or of
    the man page, "span" for inline code."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out = []
    if path.endswith(".md"):
        fence = False
        for i, l in enumerate(lines, 1):
            if l.lstrip().startswith("```"):
                fence = not fence
                continue
            if fence:
                out.append((i, l, "line"))
            else:
                for s in re.findall(r"`([^`]+)`", l):
                    out.append((i, s, "span"))
        # Continuation lines of a fenced command, joined.
        joined = []
        for i, l, k in out:
            if joined and k == "line" and joined[-1][2] == "cont":
                j, prev, _ = joined.pop()
                joined.append((j, prev + " " + l.strip(), "cont" if l.rstrip().endswith("\\") else "line"))
            elif k == "line" and l.rstrip().endswith("\\"):
                joined.append((i, l.rstrip()[:-1], "cont"))
            else:
                joined.append((i, l, k))
        return [(i, l.rstrip("\\"), "line" if k == "cont" else k) for i, l, k in joined]
    synopsis = display = False
    cur = None
    for i, l in enumerate(lines, 1):
        if l.strip() in (".nf", ".fi"):
            display = l.strip() == ".nf"
            continue
        if l.startswith(".SH"):
            if cur:
                out.append(cur)
                synopses.setdefault(os.path.basename(path), []).append(cur[1])
            cur = None
            synopsis = l.split(None, 1)[1:] == ["SYNOPSIS"]
            continue
        if synopsis:
            if l.startswith(".br"):
                if cur:
                    synopses.setdefault(os.path.basename(path), []).append(cur[1])
                    out.append(cur)
                cur = None
                continue
            w = roff_macro(l)
            if w is None and not l.startswith("."):
                w = roff_text(l)
            if w is not None:
                cur = (cur[0], cur[1] + " " + w, "line") if cur else (i, w, "line")
            continue
        if l.startswith(".\\\""):
            continue
        w = roff_macro(l)
        if w is not None:
            out.append((i, w, "line"))
        elif display and not l.startswith("."):
            out.append((i, roff_text(l), "line"))
    return out


# --- the checks ------------------------------------------------------------------
PATH = re.compile(r"^(?:\./)?((?:tests|bench|scripts|contrib|docs|helper|common|tools|"
                  r"pam_otpsms|po|debian)/[\w./*\[\]-]*)")


def path_exists(p):
    p = p.rstrip(".,:;").rstrip("/")
    # Placeholders: TARGET, DIR, carrier_NAME.c.
    q = "/".join(re.sub(r"(?<![A-Za-z])[A-Z]{2,}(?![a-z])", "*", c) for c in p.split("/"))
    for base in (src, build):
        for suffix in ("", ".c", ".sh", ".py", ".in"):
            if os.path.exists(os.path.join(base, p + suffix)) or \
                    glob.glob(os.path.join(base, q + suffix)):
                return True
    # A program the build makes (bench/pamauth, tests/unit/test_x).
    return re.sub(r"[/.-]", "_", p) + "_SOURCES" in makefile_text


with open(os.path.join(build, "Makefile"), encoding="utf-8", errors="replace") as f:
    makefile_text = f.read()


def words(text):
    try:
        lex = shlex.shlex(text, posix=True, punctuation_chars=True)
        lex.whitespace_split = True
        return list(lex)
    except ValueError:
        return text.split()


def commands(text):
    cmd = []
    for w in words(text):
        if re.fullmatch(r"[;&|()<>]+", w) or w in ("$(", "`"):
            if cmd:
                yield cmd
            cmd = []
        else:
            cmd.append(w)
    if cmd:
        yield cmd


def strip_prefix(cmd):
    """Drops VAR=value, sudo, runuser -u USER --, env, nohup."""
    while cmd:
        if re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", cmd[0]) or cmd[0] in ("sudo", "env", "nohup", "exec"):
            cmd = cmd[1:]
        elif cmd[0] == "runuser" and "--" in cmd:
            cmd = cmd[cmd.index("--") + 1:]
        else:
            break
    return cmd


def script_opts_ok(script, args):
    try:
        body = open(os.path.join(src, script), encoding="utf-8").read()
    except OSError:
        return []
    bad = []
    for a in args:
        m = re.match(r"^(--?[A-Za-z][\w-]*)", a)
        if m and not re.search(r"(?<![\w-])" + re.escape(m.group(1)) + r"(?![\w-])", body):
            bad.append(m.group(1))
    return bad


def check_command(where, cmd):
    """Returns (checked, problems) for one simple command."""
    # Optional parts of a synopsis ("[-k]"), not a glob's "[ch]".
    cmd = [w.lstrip("[") if w.count("[") > w.count("]") else w for w in cmd]
    cmd = [w.rstrip("]") if w.count("]") > w.count("[") else w for w in cmd]
    cmd = [w for w in cmd if w not in ("[", "]", "|", "...", "") and not w.startswith("#")]
    if not cmd:
        return False, []
    prog, args = cmd[0], cmd[1:]
    base = os.path.basename(prog)
    bad = []
    if base == "otpsmsd" and (prog == base or "/sbin/" in prog):
        for a in args:
            if a.startswith("-") and not (options(a) <= d_opts):
                bad.append("otpsmsd has no option " + a)
        return True, bad
    if base == "otpsmsctl":
        sub = None
        i = 0
        while i < len(args):
            a = args[i]
            if sub is None and a in ("-c", "-s", "-u"):
                i += 2
                continue
            if a.startswith("-"):
                ok = a in c_global if sub is None else a in c_sub.get(sub, set())
                if not ok:
                    bad.append("otpsmsctl%s has no option %s" % (" " + sub if sub else "", a))
            elif sub is None:
                sub = a
                if a not in c_sub:
                    bad.append("otpsmsctl has no subcommand " + a)
            i += 1
        return True, bad
    if base == "configure" and prog in ("configure", "./configure") or prog.endswith("/configure"):
        for a in args:
            if a.startswith("--") and a.split("=")[0] not in cf_opts:
                bad.append("configure has no option " + a.split("=")[0])
        return True, bad
    if prog == "make":
        skip = False
        for a in args:
            if skip:
                skip = False
            elif a in ("-C", "-f", "-j"):
                skip = True
            elif a.startswith("-") or "=" in a or re.fullmatch(r"[A-Z]+", a):
                pass
            elif a not in targets:
                bad.append("the Makefile has no target " + a)
        return True, bad
    if prog in ("python3", "sh", "perl") and args and PATH.match(args[0]):
        prog, args = args[0], args[1:]
    m = PATH.match(prog)
    if m:
        if not path_exists(m.group(1)):
            bad.append("no such file: " + m.group(1))
        elif "*" not in prog and re.search(r"\.(sh|py|pl)$", m.group(1)):
            bad += ["%s has no option %s" % (m.group(1), o) for o in script_opts_ok(m.group(1), args)]
        return True, bad
    return False, []


def check_paths(where, text):
    bad = []
    for w in re.split(r"[\s`'\"(),]+", text):
        m = PATH.match(w)
        if m and not path_exists(m.group(1)):
            bad.append("no such file: " + m.group(1))
    return bad


PAM_ARGS = re.compile(r"pam_otpsms\.so((?:\s+[a-z_]+(?:=\S*)?)*)")
pam_lines = []   # (where, args)

docs = [os.path.join(src, "README.md")] + sorted(glob.glob(os.path.join(src, "docs", "*.md"))) \
    + sorted(glob.glob(os.path.join(src, "docs", "*.[58]")))
conf_block = None
for doc in docs:
    name = os.path.relpath(doc, src)
    snips = snippets(doc)
    for ln, text, kind in snips:
        where = "%s:%d" % (name, ln)
        m = PAM_ARGS.search(text)
        if m and m.group(1).strip():
            pam_lines.append((where, m.group(1).split()))
        line = re.sub(r"^\s*[$#] (?=\S)", "", text) if kind == "line" else text
        checked, bad = False, []
        for cmd in commands(line):
            c, b = check_command(where, strip_prefix(cmd))
            checked |= c
            bad += b
        bad += [b for b in check_paths(where, text) if b not in bad]
        if checked or bad:
            tap(not bad, "%s: %s" % (where, text.strip()[:70]), "; ".join(bad))
    # A pam_otpsms.conf written out as a block of key=value lines.
    if doc.endswith(".md"):
        lines = open(doc, encoding="utf-8").read().split("\n")
        fences = [k for k, l in enumerate(lines) if l.lstrip().startswith("```")]
        prev_end = 0
        for a, b in zip(fences[0::2], fences[1::2]):
            prose = "\n".join(lines[prev_end:a])
            prev_end = b + 1
            conf = [l.strip() for l in lines[a + 1:b] if l.strip() and not l.lstrip().startswith("#")]
            if "pam_otpsms.conf" in prose and conf and \
                    all(re.fullmatch(r"[a-z_]+(=\S*)?", l) for l in conf):
                pam_lines.append(("%s:%d (conf= file)" % (name, a + 2), conf))

# --- the man pages' SYNOPSIS name everything --help lists ----------------------
syn = " ".join(synopses.get("otpsmsctl.8", []))
syn_words = set(re.split(r"[\s\[\]|]+", syn))
for sub in sorted(c_sub):
    tap(sub in syn_words, "otpsmsctl(8) SYNOPSIS names otpsmsctl " + sub)
for o in sorted(c_global | set().union(*c_sub.values())):
    tap(o in syn_words, "otpsmsctl(8) SYNOPSIS names otpsmsctl's " + o)
syn = " ".join(synopses.get("otpsmsd.8", []))
for o in sorted(d_opts):
    tap(o in options(syn), "otpsmsd(8) SYNOPSIS names otpsmsd's " + o)

# --- pam_otpsms.so arguments, through the module's own parser ---------------------
tmp = os.environ.get("TESTDIR", "/tmp")
stack = os.path.join(tmp, "docs-pam-lines")
with open(stack, "w") as f:
    for where, args in pam_lines:
        # The guides' placeholders, as tests/pam/doc_stacks.py reads them.
        args = [{"socket=...": "socket=/run/otpsms/otpsmsd.sock",
                 "daemon_user=...": "daemon_user=otpsms"}.get(a, a) for a in args]
        f.write("auth required pam_otpsms.so %s\n" % " ".join(args))
out = run([os.path.join(build, "otpsmsctl"), "check-pam", stack])
warned = {}
for l in out.split("\n"):
    m = re.match(re.escape(stack) + r":(\d+): warning: \[option\] (.*)", l)
    if m:
        warned[int(m.group(1))] = m.group(2)
tap(len(pam_lines) >= 10, "found the docs' pam_otpsms.so lines (%d)" % len(pam_lines))
for k, (where, args) in enumerate(pam_lines, 1):
    tap(k not in warned, "%s: pam_otpsms.so %s" % (where, " ".join(args)[:60]), warned.get(k, ""))
os.unlink(stack)

print("1..%d" % n)
sys.exit(1 if failed else 0)
