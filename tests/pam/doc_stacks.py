#!/usr/bin/env python3
"""Extracts every PAM stack printed in the docs that names pam_otpsms, so
that tests/pam/checkpam.sh checks the stacks exactly as printed.

    doc_stacks.py OUTDIR DOC...

A stack is a fenced block (Markdown) or a .nf/.fi block (roff) with an
"auth ... pam_otpsms" line; its PAM lines (auth, -auth, @include, comments)
are written to OUTDIR/<doc>-<n>. The nearest line before the block may say
how to check it:
    <!-- check-pam: -k -->                  (Markdown)
    .\\" check-pam: expect exempt-nothing   (roff)
"-k": the application authenticated the user first (sshd after a key);
"expect KIND...": an example of what not to do, which must warn with these
kinds. The annotations go to OUTDIR/<doc>-<n>.how (one line). The
placeholders "socket=..." and "daemon_user=..." become the defaults. Prints
the names written, one a line."""
import os
import re
import sys

out = sys.argv[1]
PAM = re.compile(r"^\s*(-?auth\s|@include\s|#)")
MOD = re.compile(r"^\s*-?auth\s.*pam_otpsms")
HOW = re.compile(r"^(?:<!--|\.\\\")\s*check-pam:\s*(.*?)\s*(?:-->)?\s*$")


def roff(line):
    return line.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")


for doc in sys.argv[2:]:
    base = os.path.basename(doc).replace(".", "_")
    lines = open(doc, encoding="utf-8").read().split("\n")
    is_md = doc.endswith(".md")
    n = 0
    i = 0
    while i < len(lines):
        opens = lines[i].lstrip().startswith("```") if is_md else lines[i].strip() == ".nf"
        if not opens:
            i += 1
            continue
        j = i + 1
        block = []
        while j < len(lines):
            end = lines[j].lstrip().startswith("```") if is_md else lines[j].strip() == ".fi"
            if end:
                break
            block.append(lines[j] if is_md else roff(lines[j]))
            j += 1
        how = ""
        k = i - 1
        # roff: skip the .RS/.PP that open the display
        while k >= 0 and (lines[k].strip() == "" or (not is_md and lines[k].strip() in (".RS", ".PP"))):
            k -= 1
        if k >= 0:
            m = HOW.match(lines[k].strip())
            if m:
                how = m.group(1)
        if any(MOD.match(l) for l in block):
            n += 1
            name = "%s-%d" % (base, n)
            stack = [l.strip() for l in block if PAM.match(l)]
            stack = [re.sub(r"socket=\.\.\.", "socket=/run/otpsms/otpsmsd.sock", l) for l in stack]
            stack = [re.sub(r"daemon_user=\.\.\.", "daemon_user=otpsms", l) for l in stack]
            with open(os.path.join(out, name), "w") as f:
                f.write("\n".join(stack) + "\n")
            with open(os.path.join(out, name + ".how"), "w") as f:
                f.write(how + "\n")
            print(name)
        i = j + 1
