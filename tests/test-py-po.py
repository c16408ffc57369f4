#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every translatable message of the files in po/POTFILES.in has a checked
# zh_CN translation: extracts the messages with xgettext (as the pot target
# does), then msgcmp fails on any msgid that po/zh_CN.po lacks or has fuzzy
# or untranslated, and msgfmt --check on a format mismatch.
#
# Usage: test-py-po.py SRCDIR

import os
import subprocess
import sys
import tempfile

srcdir = sys.argv[1]
po_dir = os.path.join(srcdir, 'po')
linguas = [l.strip() for l in open(os.path.join(po_dir, 'LINGUAS'))
           if l.strip() and not l.startswith('#')]

with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, 'zerocp-1.pot')
    subprocess.run(['xgettext', '--from-code=UTF-8', '--add-comments',
                    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2',
                    '--keyword=NC_:1c,2', '--keyword=g_dngettext:2,3',
                    '--package-name=zerocp', '--msgid-bugs-address=',
                    '-D', srcdir, '-f', os.path.join(po_dir, 'POTFILES.in'),
                    '-o', pot],
                   check=True, stderr=subprocess.DEVNULL)
    n_msgids = sum(1 for l in open(pot, encoding='utf-8') if l.startswith('msgid ')) - 1
    print('%d messages in POTFILES.in' % n_msgids)
    if n_msgids < 1:
        sys.exit('no message extracted')
    failed = False
    for lang in linguas:
        po = os.path.join(po_dir, lang + '.po')
        for cmd in (['msgcmp', po, pot],
                    ['msgfmt', '--check', '--statistics', '-o', os.devnull, po]):
            proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
            print(proc.stdout.decode('utf-8', 'replace'), end='')
            if proc.returncode != 0:
                print('FAILED: %s' % ' '.join(cmd))
                failed = True
    sys.exit(1 if failed else 0)
