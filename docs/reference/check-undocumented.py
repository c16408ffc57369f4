#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Fails unless gtk-doc found every public symbol documented: reads
# <module>-undocumented.txt, whose first lines are
#   "<N>% symbol docs coverage.", "<a> symbols documented.",
#   "<b> symbols incomplete.", "<c> not documented."
# followed by the symbols in question.
#
# Usage: check-undocumented.py BUILDDIR/docs/reference/zerocp-1-undocumented.txt

import re
import sys

path = sys.argv[1]
try:
    text = open(path, encoding='utf-8').read()
except OSError as e:
    sys.exit('%s: %s (was the manual built with -Ddocumentation=true?)' % (path, e))

print(text)
counts = {}
for key in ('documented', 'incomplete', 'not documented'):
    m = re.search(r'^(\d+) (?:symbols )?%s\.$' % key, text, re.M)
    if m is None:
        sys.exit('%s: no "%s" count' % (path, key))
    counts[key] = int(m.group(1))

if counts['documented'] == 0:
    sys.exit('no documented symbol at all: the scan found nothing')
if counts['incomplete'] or counts['not documented']:
    sys.exit('%d symbols not documented, %d incomplete'
             % (counts['not documented'], counts['incomplete']))
print('all %d symbols documented' % counts['documented'])
