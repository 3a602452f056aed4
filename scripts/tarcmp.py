#!/usr/bin/env python3
"""Compare two tar archives for scripts/tar-check, with readers that are
not fcap's.

  tarcmp.py units A B [NAME...]
      A and B differ only in PAX extended headers ('x'), and only in
      those of the entries NAME... (by key: no leading ./ or /). The
      archives are cut at header boundaries with the ustar size field;
      prints how many headers differ.

  tarcmp.py entries A B
      Python's tarfile reads both: the same entries in the same order,
      with the same header fields, PAX records (capability records
      aside) and data (SHA-256). Prints the entries whose capability
      record differs, as KEY HEX.
"""
import hashlib
import sys
import tarfile

CAP_KEYS = ("SCHILY.xattr.security.capability", "LIBARCHIVE.xattr.security.capability")


def key(name):
    while name.startswith("./") or name.startswith("/"):
        name = name[2:] if name.startswith("./") else name[1:]
    return name.rstrip("/")


def octal(field):
    field = field.strip(b" \0")
    return int(field, 8) if field else 0


def units(data):
    """Headers with their data, and the name of the entry each belongs to."""
    out, off, pending = [], 0, []
    while off + 512 <= len(data):
        h = data[off:off + 512]
        if h == bytes(512):
            out.append((b"end", data[off:], None))
            break
        typ = h[156:157]
        size = 0 if typ in b"123456" else octal(h[124:136])
        end = off + 512
        if typ == b"S" and h[482]:
            while True:
                end += 512
                if not data[end - 512 + 504]:
                    break
        end += (size + 511) // 512 * 512
        name = h[:100].split(b"\0")[0].decode("utf-8", "surrogateescape")
        if h[257:263] == b"ustar\0" and h[345:500].strip(b"\0"):
            name = h[345:500].split(b"\0")[0].decode("utf-8", "surrogateescape") + "/" + name
        pending.append((typ, data[off:min(end, len(data))]))
        if typ not in (b"x", b"L", b"K", b"g"):
            for t, u in pending:
                out.append((t, u, key(name)))
            pending = []
        off = end
    return out


def cmd_units(a, b, names):
    ua, ub = units(open(a, "rb").read()), units(open(b, "rb").read())
    allowed = {key(n) for n in names}
    i = j = diffs = 0

    def pax(u):
        if u[0] != b"x":
            return False
        if u[2] not in allowed:
            sys.exit("the PAX header of %r differs, which the manifest does not name" % u[2])
        return True

    while i < len(ua) or j < len(ub):
        a_, b_ = (ua[i] if i < len(ua) else None), (ub[j] if j < len(ub) else None)
        if a_ and b_ and a_[1] == b_[1]:
            i, j = i + 1, j + 1
            continue
        if a_ and b_ and a_[0] == b_[0] == b"x" and a_[2] == b_[2] and pax(a_):
            i, j = i + 1, j + 1
        elif b_ and pax(b_):
            j += 1
        elif a_ and pax(a_):
            i += 1
        else:
            sys.exit("archives differ outside PAX headers at units %d and %d" % (i, j))
        diffs += 1
    print(diffs)


def records(m):
    return {k: v for k, v in m.pax_headers.items() if k not in CAP_KEYS}


def digest(tf, m):
    h = hashlib.sha256()
    if m.isreg():
        f = tf.extractfile(m)
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cmd_entries(a, b):
    ta = tarfile.open(a, encoding="utf-8", errors="surrogateescape")
    tb = tarfile.open(b, encoding="utf-8", errors="surrogateescape")
    n = 0
    while True:
        ma, mb = ta.next(), tb.next()
        if ma is None or mb is None:
            if ma is not mb:
                sys.exit("one archive has more entries")
            break
        n += 1
        fields = ("name", "type", "size", "mode", "uid", "gid", "uname", "gname", "mtime", "linkname", "devmajor", "devminor")
        for f in fields:
            if getattr(ma, f) != getattr(mb, f):
                sys.exit("%s: %s differs: %r vs %r" % (ma.name, f, getattr(ma, f), getattr(mb, f)))
        if records(ma) != records(mb):
            sys.exit("%s: PAX records differ: %r vs %r" % (ma.name, records(ma), records(mb)))
        if digest(ta, ma) != digest(tb, mb):
            sys.exit("%s: data differs" % ma.name)
        ca = [ma.pax_headers.get(k) for k in CAP_KEYS]
        cb = [mb.pax_headers.get(k) for k in CAP_KEYS]
        if ca != cb:
            v = mb.pax_headers.get(CAP_KEYS[0])
            print(key(ma.name), v.encode("utf-8", "surrogateescape").hex() if v is not None else "none")
    print("entries", n, file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "units":
        cmd_units(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 4 and sys.argv[1] == "entries":
        cmd_entries(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
