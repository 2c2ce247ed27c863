package io.flinkdistill.codec;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * One versioned binary format of checkpointed state or of a file: a header (a magic number, if the
 * format has one, and the format version), then a body written and read by the format's owner. The
 * owner declares the versions it reads; a reader gets the version of the bytes in front of it and
 * reads older layouts itself. Every format the code writes or reads goes through here, with a
 * golden file per version read ({@code GoldenFilesTest}).
 */
public final class StateFormat {
    /** Writes a body after the header. */
    @FunctionalInterface
    public interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    /** Reads a body of the given format version (the header already read). */
    @FunctionalInterface
    public interface Reader<T> {
        T read(DataInputStream in, int version) throws IOException;
    }

    private static final int BUFFER = 1 << 16;

    private final String what;
    private final boolean tagged;
    private final int magic;
    private final int oldest;
    private final int current;

    private StateFormat(String what, boolean tagged, int magic, int oldest, int current) {
        if (oldest < 1 || current < oldest) {
            throw new IllegalArgumentException(
                    what + ": versions must satisfy 1 <= oldest <= current");
        }
        this.what = what;
        this.tagged = tagged;
        this.magic = magic;
        this.oldest = oldest;
        this.current = current;
    }

    /** A format whose header is a magic number and the version. */
    public static StateFormat tagged(String what, int magic, int oldest, int current) {
        return new StateFormat(what, true, magic, oldest, current);
    }

    /** A format whose header is the version alone (the formats begun before magic numbers). */
    public static StateFormat versionOnly(String what, int oldest, int current) {
        return new StateFormat(what, false, 0, oldest, current);
    }

    /** The version this code writes. */
    public int current() {
        return current;
    }

    /** Header and body as bytes. */
    public byte[] encode(Writer body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            encode(bytes, body);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + what, e);
        }
        return bytes.toByteArray();
    }

    /** Writes header and body to a stream (flushed, not closed). */
    public void encode(OutputStream stream, Writer body) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(stream, BUFFER));
        if (tagged) {
            out.writeInt(magic);
        }
        out.writeInt(current);
        body.write(out);
        out.flush();
    }

    /**
     * Reads bytes of this format: {@link IllegalStateException} naming the format when the header
     * is not one it reads, {@link UncheckedIOException} when the body is cut short or corrupt.
     */
    public <T> T decode(byte[] data, Reader<T> body) {
        try {
            return decode(new ByteArrayInputStream(data), body);
        } catch (UnreadableHeader e) {
            throw new IllegalStateException(e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt " + what, e);
        }
    }

    /**
     * Reads a stream of this format (not closed): an {@link IOException} naming the format when the
     * header is not one it reads.
     */
    public <T> T decode(InputStream stream, Reader<T> body) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(stream, BUFFER));
        int foundMagic = tagged ? in.readInt() : magic;
        int version = in.readInt();
        if (foundMagic != magic || version < oldest || version > current) {
            throw new UnreadableHeader(
                    "not "
                            + what
                            + " of a format version this code reads ("
                            + (oldest == current ? current : oldest + " to " + current)
                            + (tagged ? "; magic " + Integer.toHexString(foundMagic) : "")
                            + ", version "
                            + version
                            + ")");
        }
        return body.read(in, version);
    }

    /** The header is not this format's, or of a version this code does not read. */
    public static final class UnreadableHeader extends IOException {
        UnreadableHeader(String message) {
            super(message);
        }
    }
}
