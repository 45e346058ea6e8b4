#!/usr/bin/python3
"""Seed inputs for the libFuzzer targets lib/fuzz-*.c (docs/fuzzing.md).

  seeds.py fixtures FXDIR OUTDIR   seeds cut from the generated fixture mails
                                   (fixtures/gen.py, gen_rules.py) into
                                   OUTDIR/fuzz-NAME/; not committed
  seeds.py committed FXDIR OUTDIR  the small hand-picked set committed under
                                   tests/fuzz/seeds/ (how it was made)

From the fixtures: header values (fuzz-rfc2047), Content-Type/-Disposition
values (fuzz-mimeparam), every mail with each body cut to three lines
(fuzz-message), archives attached to the mails and in FXDIR/media up to
256 KiB (fuzz-unpack), the file lists of FXDIR/mail/*.expected.json in
fuzz-rules' line format (fuzz-rules), conf/ (fuzz-config, fuzz-campaign).
Names are the SHA-1 of the content, as libFuzzer names corpus files.
Standard library only; run with /usr/bin/python3.
"""
import base64
import bz2
import email
import email.policy
import glob
import gzip
import hashlib
import io
import json
import lzma
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARCHIVE_EXT = ('.zip', '.7z', '.rar', '.tar', '.tgz', '.tar.gz', '.gz', '.bz2',
               '.xz', '.zst', '.cpio', '.iso', '.cab', '.lzh', '.xar', '.ar')
MAX_ARCHIVE = 256 * 1024


def put(outdir, target, data, limit=None):
    if isinstance(data, str):
        data = data.encode('utf-8')
    if limit is not None and len(data) > limit:
        return
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), 'wb') as f:
        f.write(data)


# ---- mail text -------------------------------------------------------------

def header_blocks(raw):
    """Raw header blocks of a mail and its parts (split at boundaries)."""
    bounds = set(m.group(1) or m.group(2) for m in re.finditer(
        rb'boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))', raw, re.I))
    blocks, cur, in_hdr = [], [], True
    for line in raw.split(b'\n'):
        s = line.rstrip(b'\r')
        if s.startswith(b'--') and any(s[2:].startswith(b) for b in bounds):
            if in_hdr and cur:
                blocks.append(cur)
            cur, in_hdr = [], not s.rstrip().endswith(b'--')
            continue
        if in_hdr:
            if s == b'':
                blocks.append(cur)
                cur, in_hdr = [], False
            else:
                cur.append(line)
    return blocks


def fields(block):
    """(name, raw value with folding) of one header block."""
    out = []
    for line in block:
        if line[:1] in (b' ', b'\t') and out:
            out[-1][1] += b'\n' + line
        elif b':' in line:
            n, v = line.split(b':', 1)
            out.append([n.strip().lower(), v.lstrip()])
    return [(n, v.rstrip(b'\r\n')) for n, v in out]


def cut_bodies(raw, keep=3):
    """The mail with every body cut to its first `keep` lines."""
    bounds = set(m.group(1) or m.group(2) for m in re.finditer(
        rb'boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))', raw, re.I))
    out, in_hdr, n = [], True, 0
    for line in raw.split(b'\n'):
        s = line.rstrip(b'\r')
        if s.startswith(b'--') and any(s[2:].startswith(b) for b in bounds):
            out.append(line)
            in_hdr, n = not s.rstrip().endswith(b'--'), 0
            continue
        if in_hdr:
            out.append(line)
            if s == b'':
                in_hdr = False
            continue
        if n < keep:
            out.append(line)
        n += 1
    return b'\n'.join(out)


def mails(fxdir):
    return sorted(glob.glob(os.path.join(fxdir, 'mail', '*.eml')) +
                  glob.glob(os.path.join(fxdir, 'rules', '*.eml')))


def attachments(path):
    """(filename, bytes) of every attachment, nested mails included."""
    with open(path, 'rb') as f:
        msg = email.message_from_binary_file(f, policy=email.policy.compat32)
    for part in msg.walk():
        name = part.get_filename()
        if not name or part.is_multipart():
            continue
        try:
            data = part.get_payload(decode=True)
        except Exception:
            continue
        if data:
            yield name, data


MAGIC = (b'PK\x03\x04', b"7z\xbc\xaf\x27\x1c", b'Rar!', b'\x1f\x8b', b'BZh',
         b'\xfd7zXZ', b'\x28\xb5\x2f\xfd')


def is_archive(name, data):
    return name.lower().endswith(ARCHIVE_EXT) or data.startswith(MAGIC)


# ---- fuzz-rules line format (see lib/fuzz-rules.c) ---------------------------

KIND_LETTER = {
    'jpeg': 'j', 'png': 'p', 'heic': 'h', 'webp': 'w', 'gif': 'g', 'bmp': 'b',
    'tiff': 't', 'video': 'v', 'pdf': 'f', 'docx': 'd', 'doc': 'o', 'zip': 'z',
    '7z': '7', 'rar': 'r', 'tar': 'T', 'gzip': 'G', 'bzip2': 'B', 'xz': 'x',
    'text': 'e', 'html': 'H', 'eml': 'm', 'executable': 'X',
}


def rules_seed(expected):
    subject = expected.get('subject') or ''
    lines = ['A|' + subject]
    for f in expected.get('files', []):
        spec = KIND_LETTER.get(f.get('kind', ''), '')
        size = f.get('size', 0)
        spec += 'S' if size < 1048576 else ''
        if f.get('damaged'):
            spec += 'D'
        if 'archive' in f:
            spec += 'C'
            st = f['archive'].get('status', 'ok')
            code = {'encrypted': '0', 'damaged': '1', 'bomb': '2'}.get(st)
            if code is not None:
                lines.append('!' + code + f['path'])
        v = f.get('video') or {}
        if v.get('display_height', 0) > v.get('display_width', 1):
            spec += 'P'
        lines.append(f['path'] + ('\t' + spec if spec else ''))
    return '\n'.join(lines) + '\n'


# ---- archives made here -----------------------------------------------------

def crc32(b):
    return zlib.crc32(b) & 0xffffffff


def vint(v):
    out = bytearray()
    while True:
        out.append((v & 0x7f) | (0x80 if v > 0x7f else 0))
        v >>= 7
        if v == 0:
            return bytes(out)


def rar5_block(hdr):
    t = vint(len(hdr)) + hdr
    return struct.pack('<I', crc32(t)) + t


def rar5_file(name, data, crypt):
    name = name.encode('utf-8')
    extra = b''
    if crypt:
        rec = bytes([0, 0, 15]) + bytes(32)
        extra = vint(1 + len(rec)) + vint(1) + rec
    h = vint(2) + vint(3 if crypt else 2)
    if crypt:
        h += vint(len(extra))
    h += vint(len(data)) + vint(0) + vint(len(data)) + vint(0x20) + vint(0) + vint(0)
    h += vint(len(name)) + name + extra
    return rar5_block(h) + data


def make_rar5():
    out = b'Rar!\x1a\x07\x01\x00' + rar5_block(b'\x01\x00\x00')
    out += rar5_file('阳光/说明.txt', b'hello', False)
    out += rar5_file('secret.txt', b'xxxxx', True)
    out += rar5_file('after.txt', b'after', False)
    return out + rar5_block(b'\x05\x00\x00')


def make_rar4(name, data):
    def block(h):
        return struct.pack('<H', crc32(h) & 0xffff) + h
    out = b'Rar!\x1a\x07\x00' + block(b'\x73\x00\x00\x0d\x00\x00\x00\x00\x00\x00\x00')
    h = (b'\x74' + struct.pack('<HHII', 0x8000, 32 + len(name), len(data), len(data)) +
         b'\x02' + struct.pack('<II', crc32(data), 0x5a8e3100) + b'\x14\x30' +
         struct.pack('<HI', len(name), 0x20) + name)
    return out + block(h) + data + block(b'\x7b\x00\x40\x07\x00')


def zip_bytes(entries):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, date_time=(2026, 7, 28, 15, 40, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            if name.endswith('/'):
                zi.external_attr = 0o40755 << 16
            z.writestr(zi, data)
    return b.getvalue()


def gbk_zip():
    """A zip as Chinese Windows writes it: GBK names, no UTF-8 flag
    (written under an ASCII placeholder of the same length, then patched:
    zipfile would store a non-ASCII name as UTF-8 with the flag)."""
    name = '绿城物业\\推荐表.txt'.encode('gbk')
    holder = 'X' * len(name)
    raw = zip_bytes([(holder, b'hello')])
    return raw.replace(holder.encode(), name)


def tar_bytes(mode='w', fmt=tarfile.PAX_FORMAT):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode=mode, format=fmt) as t:
        def add(name, data=b'', kind=tarfile.REGTYPE, link=''):
            ti = tarfile.TarInfo(name)
            ti.type, ti.linkname, ti.size, ti.mtime = kind, link, len(data), 1785224402
            t.addfile(ti, io.BytesIO(data) if data else None)
        add('公司/', kind=tarfile.DIRTYPE)
        add('公司/案例.txt', b'case text\n')
        add('../escape.txt', b'x')
        add('/abs.txt', b'x')
        add('link', kind=tarfile.SYMTYPE, link='/etc/passwd')
        add('hard', kind=tarfile.LNKTYPE, link='公司/案例.txt')
        add('fifo', kind=tarfile.FIFOTYPE)
        add('a\\b\\c.txt', b'backslashes')
        add('./././dot.txt', b'dots')
    # drop the record padding: the two end blocks are enough
    raw = b.getvalue().rstrip(b'\0')
    return raw + bytes(-len(raw) % 512 + 1024)


def made_archives():
    out = {
        'made-rar5.rar': make_rar5(),
        'made-rar4.rar': make_rar4('阳光\\说明.txt'.encode('gbk'), b'hello'),
        'gbk-names.zip': gbk_zip(),
        'utf8.zip': zip_bytes([('阳光花园/', b''), ('阳光花园/照片1.jpg', b'\xff\xd8\xff' + bytes(64)),
                               ('阳光花园/说明.txt', '说明'.encode())]),
        'unsafe.tar': tar_bytes(),
        'unsafe.tar.gz': gzip.compress(tar_bytes(), mtime=0),
        'single.docx.gz': gzip.compress(b'PK\x03\x04' + bytes(100), mtime=0),
        'single.txt.bz2': bz2.compress(b'hello bzip2\n' * 20),
        'single.txt.xz': lzma.compress(b'hello xz\n' * 20),
        'gnu.tar.xz': lzma.compress(tar_bytes(fmt=tarfile.GNU_FORMAT)),
    }
    with tempfile.TemporaryDirectory() as t:
        src = os.path.join(t, 'src')
        os.makedirs(os.path.join(src, '公司'))
        with open(os.path.join(src, '公司', '案例.txt'), 'w') as f:
            f.write('案例\n')
        with open(os.path.join(src, 'a.txt'), 'w') as f:
            f.write('a\n')
        for name, args in (('small.7z', ['7z', 'a', '-bd', '-bso0', '-bsp0']),):
            dst = os.path.join(t, name)
            if subprocess.call(args + [dst, '公司', 'a.txt'], cwd=src,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
                out[name] = open(dst, 'rb').read()
        for fmt, name in (('cpio', 'small.cpio'), ('ar', 'small.ar'), ('xar', 'small.xar')):
            dst = os.path.join(t, name)
            files = ['a.txt'] if fmt == 'ar' else ['公司', 'a.txt']
            if shutil.which('bsdtar') and subprocess.call(
                    ['bsdtar', '--format=' + fmt, '-cf', dst] + files, cwd=src,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
                out[name] = open(dst, 'rb').read()
        dst = os.path.join(t, 'single.zst')
        if shutil.which('zstd') and subprocess.call(
                ['zstd', '-q', '-o', dst, os.path.join(src, 'a.txt')]) == 0:
            out['single.zst'] = open(dst, 'rb').read()
    return out


# ---- hand-written seeds --------------------------------------------------------

RFC2047 = [
    b'=?gb18030?B?' + base64.b64encode('阳光花园小区+垃圾分类.docx'.encode('gb18030')) + b'?=',
    b'"=?GBK?B?' + base64.b64encode('推荐表（盖章）.pdf'.encode('gbk')) + b'?="',
    b'=?utf-8?B?5b6u5Yib5paw5qGI5L6L5w==?=\r\n =?utf-8?B?lLPmiqUt57u/5Z+O54mp5Lia5pyN5Q==?=',
    b'=?utf-8?Q?=E5=A5=BD=E6=9C=8D=E5=8A=A1_case=5Fname?=',
    b'=?UTF-8*zh-CN?Q?=E6=A1=88=E4=BE=8B?= tail',
    '好服务案例 raw UTF-8'.encode('utf-8'),
    '好服务案例 raw GBK'.encode('gbk'),
    b'=?x-unknown?B?AAEC?= =?iso-8859-1?q?caf=E9?=',
    b'=?big5?B?pn6pdw==?=  =?shift_jis?B?g2WDWINn?= =?euc-kr?B?x9GxuQ==?=',
    b'=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=',
    b'=?utf-16?B?//5iV1l1?= =?UTF-7?Q?+ZeVnLIqe-?=',
    b'=?utf-8?B?5p2O5Zub?= <lisi@wuye-it.example>',
    b'=?utf-8?B?broken base64 !!?= =?utf-8?Q?=ZZ=4?= =?=?==?utf-8?B??=',
    b'\xe5\xa5\r\n \xbd =?utf-8?B?5aW9?=\xff\xfe',
]

MIMEPARAM = [
    b'application/octet-stream; name="=?gb18030?B?0fS54ruo1LAuZG9jeA==?="',
    b'attachment;\r\n\tfilename*=utf-8\'\'%E9%98%B3%E5%85%89.docx',
    b"attachment; filename*0*=UTF-8''%E9%98%B3; filename*1*=%E5%85%89; filename*2=\"(final).docx\"",
    b"attachment; filename*1*=%E5%85%89; filename*0*=gb18030'zh-CN'%D1%F4; filename=plain.txt",
    b'multipart/mixed; boundary="k1lZvvs/B4yU6o8G";',
    b'Text/Plain; CHARSET=GB2312; format=flowed; delsp=yes',
    b'attachment; filename="\xd1\xf4\xb9\xe2.docx"',
    b'inline; filename=unquoted name.jpg ;; ; =x; a="b\\"c"; size=2444',
    b'attachment; filename*=; filename*99*=x; filename*100*=y; filename*0=a',
    b'application/pdf; name="=?utf-8?B?6ZuG5Zui5pyJ6ZmQ5YWs5Y+4?=\r\n =?utf-8?B?K+aZuuaFp+WBnOi9puW+ruWIm+aWsC5wZGY=?="',
]

RULES = [
    # 好服务: package zip, company folder, case, 推荐表, photos, video
    'A|好服务案例申报\n#您好，附件是申报材料。\n包.zip\tzC\n包.zip/汇总清单.docx\td\n'
    '包.zip/汇总清单（盖章）.pdf\tf\n包.zip/绿城物业服务集团有限公司/阳光花园小区+垃圾分类新模式.docx\td\n'
    '包.zip/绿城物业服务集团有限公司/推荐表（盖章）.pdf\tf\n'
    '包.zip/绿城物业服务集团有限公司/小区入口.jpg\tj\n包.zip/绿城物业服务集团有限公司/垃圾分类站.jpg\tj\n'
    '包.zip/绿城物业服务集团有限公司/志愿者活动.jpg\tj\n包.zip/绿城物业服务集团有限公司/活动.mp4\tv\n',
    # 微创新: Word + PDF pairs and photos by name
    'A|微创新案例\n绿城物业服务集团有限公司+智慧停车微创新.docx\td\n'
    '绿城物业服务集团有限公司+智慧停车微创新.pdf\tf\n万科物业发展股份有限公司+加装电梯破解难题.docx\tdi\n'
    '万科物业发展股份有限公司+加装电梯破解难题（盖章）.pdf\tf\n加装电梯破解难题-现场.jpg\tj\n'
    'IMG_1234.jpg\tjM\n微信图片_2023.png\tp\n',
    # second-level case folders, duplicates, videos
    'E|申报\n公司.zip\tzC\n公司.zip/金域华府小区+加装电梯/金域华府+加装电梯.docx\td\n'
    '公司.zip/金域华府小区+加装电梯/1.jpg\tj1\n公司.zip/金域华府小区+加装电梯/2.jpg\tj1\n'
    '公司.zip/金域华府小区+加装电梯/推荐表.jpg\tj\n公司.zip/金域华府小区+加装电梯/竖屏.mp4\tvP\n'
    '公司.zip/金域华府小区+加装电梯/旋转.mov\tvQl\n公司.zip/金域华府小区+加装电梯/低清.avi\tvsc\n',
    # extraction problems, links, executables
    'L|案例\n!0加密.zip\n!1坏.zip\n!3包.zip/../x\n!4深.zip\n!5x.pdf\n加密.zip\tzCU\n坏.zip\tzC\n'
    'x.pdf\tfD\nrun.bat\tX\n新建 Microsoft Word 文档.docx\td\n附件2.pdf\tf\n'
    '@QQ邮箱超大附件|https://wx.mail.qq.com/ftn/download?k=abc|2026年8月12日\n',
    # ignored mail
    'ax|自动回复: 休假\n',
    'P|Undelivered Mail Returned to Sender\n',
    'R|回复：收到，谢谢\n#收到，谢谢\n',
    'lb|物业周刊\n',
    '|发票申请\n#请开具发票\n',
]

CONFIG = [
    '[spool]\ndir = /var/spool/casemail\n[state]\ndir = /var/lib/casemail\n'
    '[imap]\nhost = imap.example.com\ntls = starttls\nuser = u\npassword_file = /tmp/casemail-fuzz.secret\n'
    '[mailbox haofuwu]\ncampaign = haofuwu-2026\nfolder = INBOX\nmove_to = Done\nidle = no\n'
    'poll_interval = 60\n[mailbox wcx]\ncampaign = weichuangxin-2023\nmaildir = /srv/maildir\n'
    '[smtp]\nhost = smtp.example.com\nport = 465\ntls = yes\nuser = u\n'
    'password_file = /tmp/casemail-fuzz.secret\nhelo = casemail.example\nenvelope_from = <>\n'
    'retry_first = 60\ngive_up_days = 2\n[replies]\nper_sender_per_day = 3\ndomain = ecpmi.org.cn\n'
    '[log]\nlevel = debug\nsocket = /dev/log\nfacility = local3\n'
    '[digest]\nto = a@example.com, b@example.com\nfrom = hyfw@ecpmi.org.cn\nformat = text\n',
    '[spool]\ndir = s\n[state]\ndir = t\n[mailbox x]\ncampaign = nope\nmaildir = m\n'
    '[mailbox x]\nport = 99999999\n',
    '[imap]\nverify = maybe\n[log]\nlevel = loud\n[digest]\nto = not-an-address\n',
    '[mailbox a]\ncampaign = haofuwu-2026\n  continued line\n[spool]\ndir =\n',
    '[spool]\ndir = s\n[state]\ndir = t\n[mailbox a]\ncampaign = haofuwu-2026\nmaildir = m\n'
    '[limits]\nmessage_max_size = 64M\nmessage_max_parts = 500\nmessage_max_depth = 20\n'
    'unpack_max_total_bytes = 1G\nunpack_max_entries = 5000\nunpack_max_ratio = 50\n'
    'extract_max_depth = 2\nprobe_cpu_seconds = 30\nprobe_address_space = 512M\n'
    'probe_seccomp = no\nprobe_timeout_ms = 0\nmessage_max_header_bytes = 18446744073709551616\n',
]


def write_committed(fxdir, out):
    for v in RFC2047:
        put(out, 'fuzz-rfc2047', v)
    for v in MIMEPARAM:
        put(out, 'fuzz-mimeparam', v)
    for v in RULES:
        put(out, 'fuzz-rules', v)
    for v in CONFIG:
        put(out, 'fuzz-config', v)
    for p in (glob.glob(os.path.join(TOP, 'conf', '*.conf'))):
        put(out, 'fuzz-config', open(p, 'rb').read())
    campaigns = sorted(glob.glob(os.path.join(TOP, 'conf', 'campaigns', '*.campaign')))
    defaults = open(os.path.join(TOP, 'conf', 'campaigns', 'defaults.conf'), 'rb').read()
    for p in campaigns:
        put(out, 'fuzz-campaign', open(p, 'rb').read())
    # complete on its own (loaded without defaults.conf too)
    put(out, 'fuzz-campaign', defaults + b'\n' + open(campaigns[0], 'rb').read())
    for name, data in sorted(made_archives().items()):
        put(out, 'fuzz-unpack', data)
    for name in ('unsafe.zip', 'deep.zip', 'nested.zip', 'encrypted.zip', 'encrypted.7z'):
        p = os.path.join(fxdir, 'media', name)
        if os.path.exists(p):
            put(out, 'fuzz-unpack', open(p, 'rb').read())
    # small mails: every client style, bodies cut to three lines
    for stem in ('01-qq-gb18030-case', '05-outlook-split-words', '06-outlook-q-inline-cid',
                 '07-mutt-rfc2231', '09-thunderbird-forward-rfc822', '12-raw-gbk-headers',
                 '13-odd-base64', '14-binary-cte'):
        p = os.path.join(fxdir, 'mail', stem + '.eml')
        if os.path.exists(p):
            put(out, 'fuzz-message', cut_bodies(open(p, 'rb').read()), 16384)


def write_fixtures(fxdir, out):
    for p in mails(fxdir):
        raw = open(p, 'rb').read()
        put(out, 'fuzz-message', cut_bodies(raw), 65536)
        for block in header_blocks(raw):
            for name, value in fields(block):
                if name in (b'subject', b'from', b'to', b'cc', b'content-type',
                            b'content-disposition', b'content-description'):
                    put(out, 'fuzz-rfc2047', value, 4096)
                if name in (b'content-type', b'content-disposition'):
                    put(out, 'fuzz-mimeparam', value, 4096)
        for name, data in attachments(p):
            if is_archive(name, data) and not name.lower().endswith(('.docx', '.xlsx')):
                put(out, 'fuzz-unpack', data, MAX_ARCHIVE)
    for p in glob.glob(os.path.join(fxdir, 'media', '*')):
        if p.lower().endswith(ARCHIVE_EXT):
            put(out, 'fuzz-unpack', open(p, 'rb').read(), MAX_ARCHIVE)
    for p in glob.glob(os.path.join(fxdir, 'mail', '*.expected.json')):
        with open(p, encoding='utf-8') as f:
            put(out, 'fuzz-rules', rules_seed(json.load(f)), 16384)
    for p in glob.glob(os.path.join(TOP, 'conf', '*.conf')):
        put(out, 'fuzz-config', open(p, 'rb').read())
    for p in glob.glob(os.path.join(TOP, 'conf', 'campaigns', '*')):
        put(out, 'fuzz-campaign', open(p, 'rb').read())


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ('fixtures', 'committed'):
        sys.exit(__doc__)
    (write_fixtures if sys.argv[1] == 'fixtures' else write_committed)(sys.argv[2], sys.argv[3])


if __name__ == '__main__':
    main()
