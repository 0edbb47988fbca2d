package io.chronicle.operators.normalize;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.chronicle.core.RejectReason;
import io.chronicle.operators.normalize.OtlpMetricsDecoder.Encoding;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Reads an OTLP export request of any signal as the Collector's Kafka exporter writes it. */
final class OtlpRequests {

    /** OTLP JSON made into what {@code JsonFormat} reads. */
    @FunctionalInterface
    interface JsonAdapter {
        String adapt(String otlpJson) throws IOException;
    }

    private OtlpRequests() {}

    /**
     * Merges {@code value}, a request in {@code encoding}, into {@code builder}, its JSON (strict
     * UTF-8) through {@code adapter} first; anything else is refused as {@code malformed_payload}.
     */
    static <B extends Message.Builder> B merge(byte[] value, Encoding encoding, B builder, JsonAdapter adapter)
            throws Rejection {
        String what = "not an OTLP " + encoding.name().toLowerCase(Locale.ROOT) + " "
                + builder.getDescriptorForType().getName();
        try {
            if (encoding == Encoding.PROTOBUF) {
                builder.mergeFrom(value);
                return builder;
            }
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(value)).toString();
            } catch (CharacterCodingException e) {
                throw new Rejection(RejectReason.MALFORMED_PAYLOAD, what + ": not UTF-8");
            }
            JsonFormat.parser().ignoringUnknownFields().merge(adapter.adapt(text), builder);
            return builder;
        } catch (IOException | RuntimeException | StackOverflowError e) {
            throw new Rejection(RejectReason.MALFORMED_PAYLOAD, what + ": " + e.getMessage());
        }
    }
}
