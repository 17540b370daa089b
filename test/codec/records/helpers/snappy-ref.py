# Reference snappy through libsnappy (ctypes), for the optional interop test.
# Usage: snappy-ref.py c|d LIBPATH; stdin and stdout are sequences of (uint32 big-endian length, bytes);
# a failed item comes back with length 0xffffffff.
import ctypes, struct, sys

lib = ctypes.CDLL(sys.argv[2])
mode = sys.argv[1]
data = sys.stdin.buffer.read()
out = sys.stdout.buffer
pos = 0
while pos < len(data):
    (n,) = struct.unpack('>I', data[pos:pos + 4])
    item = data[pos + 4:pos + 4 + n]
    pos += 4 + n
    if mode == 'c':
        size = ctypes.c_size_t(lib.snappy_max_compressed_length(ctypes.c_size_t(len(item))))
        buf = ctypes.create_string_buffer(max(size.value, 1))
        rc = lib.snappy_compress(item, ctypes.c_size_t(len(item)), buf, ctypes.byref(size))
    else:
        size = ctypes.c_size_t(0)
        rc = lib.snappy_uncompressed_length(item, ctypes.c_size_t(len(item)), ctypes.byref(size))
        if rc == 0:
            buf = ctypes.create_string_buffer(max(size.value, 1))
            rc = lib.snappy_uncompress(item, ctypes.c_size_t(len(item)), buf, ctypes.byref(size))
    if rc != 0:
        out.write(struct.pack('>I', 0xFFFFFFFF))
    else:
        out.write(struct.pack('>I', size.value))
        out.write(buf.raw[:size.value])
