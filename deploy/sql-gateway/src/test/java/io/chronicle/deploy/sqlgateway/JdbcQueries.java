package io.chronicle.deploy.sqlgateway;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code JdbcQueries URL QUERY...}: what a JDBC tool does, using nothing but {@code java.sql}, so
 * it runs on the JDBC driver's classpath alone. Prints each query's rows, one per line, their
 * values joined by '='; after the rows, the connection's catalog and schema.
 */
public final class JdbcQueries {

    private JdbcQueries() {}

    public static void main(String[] args) throws SQLException {
        try (Connection connection = DriverManager.getConnection(args[0]);
                Statement statement = connection.createStatement()) {
            for (int q = 1; q < args.length; q++) {
                try (ResultSet rows = statement.executeQuery(args[q])) {
                    int columns = rows.getMetaData().getColumnCount();
                    while (rows.next()) {
                        List<String> values = new ArrayList<>();
                        for (int c = 1; c <= columns; c++) {
                            // getObject: the driver's getString serves only character columns
                            values.add(String.valueOf(rows.getObject(c)));
                        }
                        System.out.println(String.join("=", values));
                    }
                }
            }
            System.out.println("catalog=" + connection.getCatalog() + " schema=" + connection.getSchema());
        }
    }
}
