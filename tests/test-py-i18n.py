#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The library's messages in Simplified Chinese: runs the C example under
# LANGUAGE=zh_CN LC_ALL=C.UTF-8 G_MESSAGES_DEBUG=Zcp and checks that every
# Info line reads exactly as in the log section of the specification
# (MemPoolAllocator-guide.zh.md, 日志输出), and that GError messages reach
# Python translated.
#
# Usage: test-py-i18n.py EXAMPLE
# ZCP_LOCALEDIR must point at the build tree's po/ directory.

import locale
import os
import re
import subprocess
import sys
import unittest

EXAMPLE = None

# "Zcp-INFO: 12:00:00.000: <message>"
INFO = re.compile(r'^Zcp-INFO: [0-9:.]+: (.*)$')


def run_example(**env):
    full_env = dict(os.environ)
    full_env.update(env)
    proc = subprocess.run([EXAMPLE], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=full_env, timeout=60)
    out = proc.stdout.decode('utf-8') + proc.stderr.decode('utf-8')
    if proc.returncode != 0:
        raise AssertionError('the example failed:\n' + out)
    return [m.group(1) for m in map(INFO.match, out.splitlines()) if m]


class TestLogLines(unittest.TestCase):

    def test_zh_cn(self):
        lines = run_example(LANGUAGE='zh_CN', LC_ALL='C.UTF-8',
                            G_MESSAGES_DEBUG='Zcp')
        print('\n'.join(lines))
        self.assertGreaterEqual(len(lines), 8, lines)

        m = re.fullmatch(r'MemPoolAllocator 已初始化，计算得到总内存大小: (\d+) 字节', lines[0])
        self.assertIsNotNone(m, lines[0])
        size = m.group(1)

        m = re.fullmatch(r'开始创建共享内存: (/\S+), 大小: (\d+) 字节', lines[1])
        self.assertIsNotNone(m, lines[1])
        name = m.group(1)
        self.assertEqual(m.group(2), size)

        m = re.fullmatch(r'共享内存创建成功: (/\S+), 基地址: (0x[0-9a-f]+), 段ID: (\d+)', lines[2])
        self.assertIsNotNone(m, lines[2])
        self.assertEqual(m.group(1), name)
        base = m.group(2)

        self.assertEqual(lines[3], '开始初始化内存池，基地址: %s, 总大小: %s 字节' % (base, size))
        self.assertEqual(lines[4], '内存池管理器初始化成功')
        self.assertEqual(lines[5:8], [
            'Pool 0: chunk_size=256, count=1000, used=0',
            'Pool 1: chunk_size=1024, count=500, used=0',
            'Pool 2: chunk_size=4096, count=200, used=0',
        ])
        self.assertFalse(os.path.exists('/dev/shm' + name))

    def test_english_without_language(self):
        # The same lines stay English in the C locale: the check above
        # really depends on the catalog.
        env = dict(LC_ALL='C', G_MESSAGES_DEBUG='Zcp')
        env['LANGUAGE'] = ''
        lines = run_example(**env)
        self.assertTrue(lines[0].startswith('MemPoolAllocator initialized, computed total memory size: '),
                        lines[0])
        self.assertEqual(lines[4], 'Memory pool manager initialized')

    def test_gerror_translated(self):
        # A child Python with the same environment, so that setlocale() sees
        # LANGUAGE before the library binds its text domain.
        code = '''
import locale
locale.setlocale(locale.LC_ALL, '')
import gi
gi.require_version('Zcp', '1')
from gi.repository import GLib, Zcp
c = Zcp.MemPoolConfig.new()
try:
    c.add_entry(0, 1)
except GLib.Error as e:
    print(e.message)
try:
    Zcp.MemPoolAllocator.new(c).initialize_shared_memory('bad')
except GLib.Error as e:
    print(e.message)
'''
        env = dict(os.environ, LANGUAGE='zh_CN', LC_ALL='C.UTF-8')
        proc = subprocess.run([sys.executable, '-c', code], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        out = proc.stdout.decode('utf-8').splitlines()
        self.assertEqual(out, [
            '无效的内存块大小 0: 必须在 1 到 1099511627776 字节之间',
            '共享内存名称“bad”必须以“/”开头',
        ])


if __name__ == '__main__':
    EXAMPLE = sys.argv.pop(1)
    unittest.main(verbosity=2)
