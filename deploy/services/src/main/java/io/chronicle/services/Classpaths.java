package io.chronicle.services;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the classpath files that maven-dependency-plugin's build-classpath goal writes next to
 * these classes. They hold absolute paths into the local Maven repository of the machine that
 * built this module, which is fine for tests and the local stack.
 */
final class Classpaths {

    private Classpaths() {}

    /** Joins the classpaths in the given resources (relative to this package). */
    static String load(String... resources) {
        List<String> parts = new ArrayList<>();
        for (String resource : resources) {
            try (InputStream in = Classpaths.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException(
                            "missing resource " + resource + "; it is written by the Maven build of chronicle-services");
                }
                parts.add(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return String.join(File.pathSeparator, parts);
    }
}
