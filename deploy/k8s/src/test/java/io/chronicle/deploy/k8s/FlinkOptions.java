package io.chronicle.deploy.k8s;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.FallbackKey;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;

/** The keys of every option flink-core declares (its {@code org.apache.flink.configuration.*Options}). */
final class FlinkOptions {

    private static final Pattern OPTIONS_CLASS =
            Pattern.compile("org/apache/flink/configuration/[A-Za-z]+Options\\.class");
    private static final Set<String> KEYS = load();

    private FlinkOptions() {}

    static Set<String> declaredKeys() {
        return KEYS;
    }

    private static Set<String> load() {
        Set<String> keys = new TreeSet<>();
        try (JarFile jar = new JarFile(flinkCore())) {
            List<String> classes = jar.stream().map(ZipEntry::getName)
                    .filter(name -> OPTIONS_CLASS.matcher(name).matches())
                    .map(name -> name.replace('/', '.').substring(0, name.length() - ".class".length()))
                    .toList();
            for (String className : classes) {
                for (Field field : Class.forName(className).getFields()) {
                    if (Modifier.isStatic(field.getModifiers()) && ConfigOption.class.isAssignableFrom(field.getType())) {
                        ConfigOption<?> option = (ConfigOption<?>) field.get(null);
                        keys.add(option.key());
                        for (FallbackKey fallback : option.fallbackKeys()) {
                            keys.add(fallback.getKey());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot read flink-core's options", e);
        }
        return keys;
    }

    private static File flinkCore() {
        try {
            return new File(CoreOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
