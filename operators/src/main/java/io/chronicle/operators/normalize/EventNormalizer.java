package io.chronicle.operators.normalize;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.chronicle.core.Event;
import io.chronicle.core.Provenance;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectReason;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Normalizes a JSON swarm event:
 * {@code {"event_id": "...", "trace_id": "...", "source": "dispatch", "event_type":
 * "task.created", "timestamp": "2026-02-12T14:30:00.000Z", "metadata": {...}}} plus the optional
 * envelope fields {@code namespace}, {@code schema_id}, {@code schema_version} and
 * {@code aggregate_id}. A missing {@code event_id} becomes a name-based UUID of the record's
 * topic, partition and offset, so a replay yields the same id.
 */
public class EventNormalizer extends JsonNormalizer<Event> {

    private static final long serialVersionUID = 1L;

    static final String EMPTY_METADATA = "{}";

    public EventNormalizer(NormalizerSettings settings) {
        super(settings, true);
    }

    private EventNormalizer(NormalizerSettings settings, boolean readsBytes) {
        super(settings, readsBytes);
    }

    /** The same normalizer with every payload through Jackson's path, as before the byte reader. */
    public static EventNormalizer jacksonPath(NormalizerSettings settings) {
        return new EventNormalizer(settings, false);
    }

    @Override
    JsonBytes<Event> byteReader() {
        return new EventBytes(settings);
    }

    @Override
    protected Event readObject(JsonParser parser, RawRecord raw, String headerTenant, long ingestedAtMicros)
            throws IOException, Rejection {
        Event event = new Event();
        String tenant = null;
        boolean hasTimestamp = false;

        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken token = parser.nextToken();
            if (token == JsonToken.VALUE_NULL) {
                continue;
            }
            switch (field) {
                case "event_id":
                    event.eventId = readIdentifier(parser, field);
                    break;
                case "trace_id":
                    event.traceId = readIdentifier(parser, field);
                    break;
                case "source":
                    event.source = readIdentifier(parser, field);
                    break;
                case "event_type":
                    event.eventType = readIdentifier(parser, field);
                    break;
                case "timestamp":
                    event.eventTimeMicros = readTimestamp(parser, ingestedAtMicros);
                    hasTimestamp = true;
                    break;
                case "metadata":
                    event.metadata = readMetadata(parser);
                    break;
                case "tenant":
                    tenant = readPayloadTenant(parser);
                    break;
                case "namespace":
                    event.namespace = readIdentifier(parser, field);
                    break;
                case "schema_id":
                    event.schemaId = readIdentifier(parser, field);
                    break;
                case "schema_version":
                    event.schemaVersion = readSchemaVersion(parser);
                    break;
                case "aggregate_id":
                    event.aggregateId = readAggregateId(parser);
                    break;
                default:
                    parser.skipChildren();
            }
        }
        if (event.traceId == null) {
            throw missing("trace_id");
        }
        if (event.eventType == null) {
            throw missing("event_type");
        }
        if (event.eventId == null) {
            event.eventId = derivedEventId(raw);
        }
        if (!hasTimestamp) {
            event.eventTimeMicros = kafkaTimestampMicros(raw);
            Timestamps.checkRange(event.eventTimeMicros, ingestedAtMicros, settings);
        }
        if (event.metadata == null) {
            event.metadata = EMPTY_METADATA;
        }
        event.tenant = resolveTenant(tenant, headerTenant);
        event.provenance = new Provenance(raw.topic, raw.partition, raw.offset, ingestedAtMicros);
        return event;
    }

    /** A version-3 (name-based) UUID of "topic/partition/offset": the same on every replay. */
    static String derivedEventId(RawRecord raw) {
        String name = raw.topic + "/" + raw.partition + "/" + raw.offset;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * The metadata object, compact. Its strings may hold anything but unpaired surrogates, which
     * UTF-8 cannot store: the views read keys such as {@code agent_id} from it. (Jackson refuses
     * them in names itself.)
     */
    private String readMetadata(JsonParser parser) throws IOException, Rejection {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw wrongType("metadata", "an object", parser);
        }
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = factory().createGenerator(out)) {
            int depth = 0;
            do {
                JsonToken token = parser.currentToken();
                if (token == JsonToken.VALUE_STRING) {
                    String text = parser.getText();
                    int invalid = Texts.invalidAt(text, false);
                    if (invalid >= 0) {
                        throw new Rejection(RejectReason.INVALID_FIELD,
                                "'metadata' holds " + Texts.describe(text, invalid));
                    }
                } else if (token.isStructStart()) {
                    depth++;
                } else if (token.isStructEnd()) {
                    depth--;
                }
                generator.copyCurrentEvent(parser);
            } while (depth > 0 && parser.nextToken() != null);
        }
        return out.toString();
    }

    private static Integer readSchemaVersion(JsonParser parser) throws IOException, Rejection {
        if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT
                || parser.getNumberType() != JsonParser.NumberType.INT
                || parser.getIntValue() < 0) {
            throw new Rejection(
                    parser.currentToken() == JsonToken.VALUE_NUMBER_INT
                            ? RejectReason.INVALID_FIELD
                            : RejectReason.WRONG_TYPE,
                    "'schema_version' must be a non-negative 32-bit integer");
        }
        return parser.getIntValue();
    }

    private static String readAggregateId(JsonParser parser) throws IOException, Rejection {
        if (parser.currentToken() == JsonToken.VALUE_NUMBER_INT) {
            return parser.getText();
        }
        return readIdentifier(parser, "aggregate_id");
    }
}
