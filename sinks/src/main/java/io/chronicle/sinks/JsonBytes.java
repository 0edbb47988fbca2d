package io.chronicle.sinks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** JSON documents written straight to bytes with Jackson's streaming generator. */
public final class JsonBytes {

    private static final JsonFactory JSON = new JsonFactory();

    private JsonBytes() {}

    /** Writes part of a document. */
    public interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    /** The document the writer generates. */
    public static byte[] of(Writer writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writer.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** An object of the fields the writer writes. */
    public static byte[] object(Writer fields) {
        return of(g -> {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        });
    }

    /** An epoch-microseconds instant as RFC 3339 in UTC, as Alertmanager and Prometheus accept. */
    public static String rfc3339(long micros) {
        return Instant.EPOCH.plusNanos(micros * 1_000L).toString();
    }

    /** A field holding a string map as an object, its keys sorted; null as an empty object. */
    public static void writeStringMap(JsonGenerator g, String field, Map<String, String> map)
            throws IOException {
        g.writeObjectFieldStart(field);
        if (map != null) {
            for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
        }
        g.writeEndObject();
    }
}
