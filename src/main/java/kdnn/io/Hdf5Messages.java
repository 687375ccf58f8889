package kdnn.io;

import java.util.ArrayList;
import java.util.List;

/**
 * The object header messages of the files h5py writes for Keras (HDF5 file format, section IV.A),
 * encoded as HDF5 1.10 encodes them with h5py's default format versions ("earliest"), and the
 * version 1 object headers that hold them.
 */
final class Hdf5Messages {
    static final int DATASPACE = 0x1;
    static final int DATATYPE = 0x3;
    static final int FILL_VALUE = 0x5;
    static final int LAYOUT = 0x8;
    static final int ATTRIBUTE = 0xC;
    static final int CONTINUATION = 0x10;
    static final int SYMBOL_TABLE = 0x11;
    /** The message flag h5py's datatype and fill value messages carry: constant. */
    static final int CONSTANT = 0x1;
    /** A message's size is a 2-byte field; HDF5 keeps a message under 64 KiB. */
    static final int MAX_MESSAGE = 0xFFF8;
    /** Message bytes per header chunk before the rest goes into a continuation chunk (HDF5 makes chunks no larger). */
    static final int CHUNK_LIMIT = 1 << 16;
    /** Version, reserved, message count, reference count, chunk 0 size, padding to 8. */
    static final int PREFIX = 16;
    private static final int MESSAGE_HEADER = 8;
    private static final int CONTINUATION_SIZE = MESSAGE_HEADER + 16;

    private Hdf5Messages() {
    }

    /** One message: its type, flags and body (padded to 8 bytes where the header holds it). */
    record Message(int type, int flags, byte[] body) {
        Message {
            if (Hdf5Bytes.align8(body.length) > MAX_MESSAGE) {
                throw new IllegalArgumentException("an HDF5 object header message of " + body.length + " bytes is over"
                        + " HDF5's 64 KiB limit");
            }
        }

        int size() {
            return MESSAGE_HEADER + Hdf5Bytes.align8(body.length);
        }
    }

    static Message symbolTable(long btree, long heap) {
        return new Message(SYMBOL_TABLE, 0, new Hdf5Bytes().u64(btree).u64(heap).toArray());
    }

    static Message dataspace(int[] shape) {
        return new Message(DATASPACE, 0, dataspaceBody(shape));
    }

    static Message datatype(byte[] type) {
        return new Message(DATATYPE, CONSTANT, type);
    }

    /** Version 2; allocation late, fill written if set, "defined" with no value: the default fill, as h5py writes it. */
    static Message fillValue() {
        return new Message(FILL_VALUE, CONSTANT, new Hdf5Bytes().u8(2).u8(2).u8(2).u8(1).u32(0).toArray());
    }

    /** Version 3, contiguous: the raw data's address and size (an empty dataset has no storage: undefined, 0). */
    static Message contiguousLayout(long address, long size) {
        return new Message(LAYOUT, 0, new Hdf5Bytes().u8(3).u8(1).u64(address).u64(size).toArray());
    }

    /** Version 1: name, datatype and dataspace each padded to 8 bytes, then the data. */
    static Message attribute(String name, byte[] type, byte[] space, byte[] data) {
        byte[] n = Hdf5Tree.utf8(name);
        Hdf5Bytes b = new Hdf5Bytes().u8(1).u8(0).u16(n.length + 1).u16(type.length).u16(space.length);
        b.bytes(n).u8(0).pad8().bytes(type).pad8().bytes(space).pad8().bytes(data);
        return new Message(ATTRIBUTE, 0, b.toArray());
    }

    /** Dataspace version 1: rank, dimensions and (for a simple one, as h5py writes) equal maximum dimensions. */
    static byte[] dataspaceBody(int... shape) {
        Hdf5Bytes b = new Hdf5Bytes().u8(1).u8(shape.length).u8(shape.length > 0 ? 1 : 0).u8(0).u32(0);
        for (int d : shape) b.u64(d);
        for (int d : shape) b.u64(d);
        return b.toArray();
    }

    /** IEEE float32 little-endian (H5T_IEEE_F32LE). */
    static byte[] float32() {
        return new Hdf5Bytes().u8(0x11).u8(0x20).u8(31).u8(0).u32(4)
                .u16(0).u16(32).u8(23).u8(8).u8(0).u8(23).u32(127).toArray();
    }

    /** IEEE float64 little-endian (H5T_IEEE_F64LE). */
    static byte[] float64() {
        return new Hdf5Bytes().u8(0x11).u8(0x20).u8(63).u8(0).u32(8)
                .u16(0).u16(64).u8(52).u8(11).u8(0).u8(52).u32(1023).toArray();
    }

    /** A fixed-length string of {@code width} bytes, null-padded, ASCII (numpy's {@code S<width>} through h5py). */
    static byte[] fixedString(int width) {
        return new Hdf5Bytes().u8(0x13).u8(0x01).u8(0).u8(0).u32(width).toArray();
    }

    /** A variable-length string, null-terminated, UTF-8 or ASCII; its base type is an unsigned byte. */
    static byte[] varString(boolean utf8) {
        return new Hdf5Bytes().u8(0x19).u8(0x01).u8(utf8 ? 1 : 0).u8(0).u32(16)
                .u8(0x10).u8(0).u8(0).u8(0).u32(1).u16(0).u16(8).toArray();
    }

    /** The bytes an object header of these messages takes: the prefix and its chunks. */
    static int headerSize(List<Message> messages) {
        List<List<Message>> chunks = chunks(messages);
        int size = PREFIX + (chunks.size() - 1) * CONTINUATION_SIZE;
        for (List<Message> chunk : chunks) size += chunkSize(chunk);
        return size;
    }

    /**
     * A version 1 object header at {@code address}: the messages in one chunk, or, when they pass
     * {@link #CHUNK_LIMIT}, in chunks placed right after it, each ending with a continuation
     * message that points at the next.
     */
    static byte[] header(List<Message> messages, long address) {
        List<List<Message>> chunks = chunks(messages);
        int count = messages.size() + chunks.size() - 1;
        int chunk0 = chunkSize(chunks.get(0)) + (chunks.size() > 1 ? CONTINUATION_SIZE : 0);
        Hdf5Bytes b = new Hdf5Bytes().u8(1).u8(0).u16(count).u32(1).u32(chunk0).u32(0);
        long next = address + PREFIX + chunk0;
        for (int i = 0; i < chunks.size(); i++) {
            for (Message m : chunks.get(i)) put(b, m);
            if (i + 1 < chunks.size()) {
                int size = chunkSize(chunks.get(i + 1)) + (i + 2 < chunks.size() ? CONTINUATION_SIZE : 0);
                put(b, new Message(CONTINUATION, 0, new Hdf5Bytes().u64(next).u64(size).toArray()));
                next += size;
            }
        }
        return b.toArray();
    }

    private static void put(Hdf5Bytes b, Message m) {
        b.u16(m.type()).u16(Hdf5Bytes.align8(m.body().length)).u8(m.flags()).zeros(3).bytes(m.body()).pad8();
    }

    private static int chunkSize(List<Message> chunk) {
        int size = 0;
        for (Message m : chunk) size += m.size();
        return size;
    }

    private static List<List<Message>> chunks(List<Message> messages) {
        List<List<Message>> out = new ArrayList<>();
        List<Message> current = new ArrayList<>();
        int used = 0;
        for (Message m : messages) {
            if (!current.isEmpty() && used + m.size() + CONTINUATION_SIZE > CHUNK_LIMIT) {
                out.add(current);
                current = new ArrayList<>();
                used = 0;
            }
            current.add(m);
            used += m.size();
        }
        out.add(current);
        return out;
    }
}
