"""What a student on the hub runs against collect, as their own OS user: Python code for the system's python3.

:data:`INOTIFY_SWAP` waits (inotify) until someone has listed the student's
folder -- collect reading its change times -- and then rewrites the notebook
with late work. :data:`MAPPED_WRITER` maps the notebook into memory, writes
through the mapping, and on each line it reads writes the next content through
the same mapping: on tmpfs those later writes change no time at all.
"""

INOTIFY_SWAP = r"""
import ctypes, os, struct, sys
folder, name, late = sys.argv[1], sys.argv[2], sys.argv[3].encode()
libc = ctypes.CDLL(None, use_errno=True)
IN_CLOSE_NOWRITE, IN_ISDIR = 0x10, 0x40000000
fd = libc.inotify_init1(os.O_CLOEXEC)
assert fd >= 0 and libc.inotify_add_watch(fd, folder.encode(), IN_CLOSE_NOWRITE) >= 0, ctypes.get_errno()
print("ready", flush=True)
listed = False
while not listed:
    data = os.read(fd, 65536)
    while data:
        wd, mask, cookie, length = struct.unpack_from("iIII", data)
        listed = listed or (mask & IN_ISDIR and length == 0)  # the folder itself, closed after a listing
        data = data[16 + length:]
with open(os.path.join(folder, name), "r+b") as notebook:
    notebook.write(late)
    notebook.truncate()
print("swapped", flush=True)
"""

MAPPED_WRITER = r"""
import mmap, os, sys
path = sys.argv[1]
fd = os.open(path, os.O_RDWR)
mapped = mmap.mmap(fd, os.fstat(fd).st_size)
for line in sys.stdin:
    content = line.rstrip("\n").encode()
    mapped[:len(content)] = content
    print("written", flush=True)
"""
