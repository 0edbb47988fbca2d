package io.chronicle.core.alerts;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.chronicle.core.ChronicleOptions;
import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads rule documents into a tree within fixed bounds, so that no document costs more than its
 * size: at most {@link #MAX_DEPTH} levels of nesting and {@link #MAX_NODES} values, counting each
 * use of a YAML alias as the values it stands for (the "billion laughs" expand nothing: an alias
 * shares its anchor's tree and is charged for it). A document is YAML, or JSON: text starting
 * with '{' is read as JSON first (YAML reads most JSON, but not JSON indented with tabs), then as
 * YAML. A key given twice, a second document in the same text, a value YAML types as binary and
 * a string holding half a surrogate pair are refused rather than silently resolved. Every
 * problem is an {@link IllegalArgumentException} saying what and where.
 */
public final class RuleDocuments {

    /** Levels of nesting in a rule document; a rule needs three. */
    public static final int MAX_DEPTH = 16;
    /** Values in a rule document, aliases expanded; a rule needs a few dozen. */
    public static final int MAX_NODES = 10_000;

    private static final YAMLFactory YAML = YAMLFactory.builder().loaderOptions(loaderOptions()).build();
    private static final JsonFactory JSON = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RuleDocuments() {}

    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        // A rules file holds many rules; topic messages are bounded in bytes before they get here.
        options.setCodePointLimit(64 << 20);
        return options;
    }

    /**
     * The text of a rules topic message's value: strictly UTF-8, not empty, at most
     * {@code maxBytes} long.
     */
    public static String decode(byte[] value, int maxBytes) {
        if (value.length == 0) {
            throw new IllegalArgumentException("empty document (a tombstone, a null value, deletes a rule)");
        }
        if (value.length > maxBytes) {
            throw new IllegalArgumentException("document of " + value.length + " bytes is larger than "
                    + maxBytes + " bytes (" + ChronicleOptions.ALERTS_RULES_MAX_DOCUMENT_BYTES.key() + ")");
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(value);
        CharBuffer out = CharBuffer.allocate(value.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw new IllegalArgumentException("document is not UTF-8 text: invalid byte at offset " + in.position());
        }
        return out.flip().toString();
    }

    /** One rule: an object. */
    public static JsonNode readRule(String text) {
        return read(text, MAX_DEPTH, MAX_NODES);
    }

    /** A rules file: an object whose list holds up to {@code maxRules} rules. */
    public static JsonNode readFile(String text, int maxRules) {
        return read(text, MAX_DEPTH + 2, (long) MAX_NODES * maxRules + 2);
    }

    private static JsonNode read(String text, int maxDepth, long maxNodes) {
        String jsonError = null;
        if (text.stripLeading().startsWith("{")) {
            try {
                return parse(JSON, text, maxDepth, maxNodes);
            } catch (IOException e) {
                jsonError = problem(e);
            }
        }
        try {
            return parse(YAML, text, maxDepth, maxNodes);
        } catch (IOException e) {
            throw new IllegalArgumentException(jsonError == null ? "not valid YAML or JSON: " + problem(e)
                    : "not valid JSON (" + jsonError + ") nor YAML (" + problem(e) + ")", e);
        }
    }

    private static JsonNode parse(JsonFactory factory, String text, int maxDepth, long maxNodes) throws IOException {
        try (JsonParser parser = factory.createParser(text)) {
            Reader reader = new Reader(parser, maxDepth, maxNodes);
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new IllegalArgumentException("empty document");
            }
            JsonNode root = reader.value(first, 1);
            if (!root.isObject()) {
                throw new IllegalArgumentException("expected an object, got " + kind(root));
            }
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("more than one document: expected one object");
            }
            return root;
        }
    }

    private static String problem(IOException e) {
        if (e instanceof JsonProcessingException p) {
            JsonLocation at = p.getLocation();
            return AlertRules.abbreviate(p.getOriginalMessage())
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr());
        }
        return AlertRules.abbreviate(e.getMessage());
    }

    private static String kind(JsonNode node) {
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Builds the tree from the parser's tokens, charging every value against the bounds. */
    private static final class Reader {
        private final JsonParser parser;
        private final int maxDepth;
        private final long maxNodes;
        /** YAML anchors seen so far: the tree each names and the values it counts. */
        private final Map<String, Anchored> anchors = new HashMap<>();
        private long nodes;

        Reader(JsonParser parser, int maxDepth, long maxNodes) {
            this.parser = parser;
            this.maxDepth = maxDepth;
            this.maxNodes = maxNodes;
        }

        JsonNode value(JsonToken token, int depth) throws IOException {
            if (token == null) {
                throw new IllegalArgumentException("the document ends too early");
            }
            if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
                Anchored anchored = anchors.get(parser.getText());
                if (anchored == null) {
                    throw new IllegalArgumentException("alias *" + AlertRules.abbreviate(parser.getText())
                            + " has no anchor before it");
                }
                charge(anchored.nodes);
                return anchored.node;
            }
            String anchor = parser instanceof YAMLParser yaml ? yaml.getCurrentAnchor() : null;
            long before = nodes;
            charge(1);
            JsonNode node = switch (token) {
                case START_OBJECT -> object(depth);
                case START_ARRAY -> array(depth);
                case VALUE_STRING -> NODES.textNode(wellFormed(parser.getText()));
                case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                    case INT -> NODES.numberNode(parser.getIntValue());
                    case LONG -> NODES.numberNode(parser.getLongValue());
                    default -> NODES.numberNode(parser.getBigIntegerValue());
                };
                case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
                case VALUE_TRUE -> NODES.booleanNode(true);
                case VALUE_FALSE -> NODES.booleanNode(false);
                case VALUE_NULL -> NODES.nullNode();
                default -> throw new IllegalArgumentException("unsupported value (" + token + ") at line "
                        + parser.currentLocation().getLineNr());
            };
            if (anchor != null) {
                anchors.put(anchor, new Anchored(node, nodes - before));
            }
            return node;
        }

        private ObjectNode object(int depth) throws IOException {
            nest(depth);
            ObjectNode object = NODES.objectNode();
            for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
                if (t != JsonToken.FIELD_NAME) {
                    throw new IllegalArgumentException("expected a key at line "
                            + parser.currentLocation().getLineNr());
                }
                String key = wellFormed(parser.currentName());
                if (object.has(key)) {
                    throw new IllegalArgumentException("key '" + AlertRules.abbreviate(key) + "' given twice (line "
                            + parser.currentLocation().getLineNr() + ")");
                }
                object.set(key, value(parser.nextToken(), depth + 1));
            }
            return object;
        }

        private ArrayNode array(int depth) throws IOException {
            nest(depth);
            ArrayNode array = NODES.arrayNode();
            for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                array.add(value(t, depth + 1));
            }
            return array;
        }

        /**
         * The text, unless it holds half a surrogate pair: that is not text, and JSON readers of
         * what a rule writes may refuse it.
         */
        private String wellFormed(String text) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    throw new IllegalArgumentException("a string holds an unpaired surrogate (\\u"
                            + Integer.toHexString(c) + ") at line " + parser.currentLocation().getLineNr());
                }
            }
            return text;
        }

        private void nest(int depth) {
            if (depth > maxDepth) {
                throw new IllegalArgumentException("nested deeper than " + maxDepth + " levels");
            }
        }

        private void charge(long count) {
            nodes += count;
            if (nodes > maxNodes) {
                throw new IllegalArgumentException("more than " + maxNodes + " values (YAML aliases count"
                        + " as the values they stand for)");
            }
        }
    }

    private record Anchored(JsonNode node, long nodes) {}
}
