/// The PostgreSQL source of a home (`database` in lethe.json): where the database is and which
/// rows belong to which customer. Never a password: libpq reads PGPASSWORD or ~/.pgpass, or
/// ``passwordFile`` names a file holding it.
public struct DatabaseSettings: Codable, Sendable, Equatable {
    /// The database URL, `postgresql://USER@HOST:PORT/DATABASE` (checked to hold no password).
    public var url: String
    /// The database map, copied into the home at init (`database-map.yaml`).
    public var map: String
    /// A file holding the password on one line, or nil for PGPASSWORD / ~/.pgpass.
    public var passwordFile: String?

    enum CodingKeys: String, CodingKey {
        case url, map, passwordFile = "password_file"
    }

    /// Creates the settings.
    public init(url: String, map: String, passwordFile: String? = nil) {
        (self.url, self.map, self.passwordFile) = (url, map, passwordFile)
    }

    /// The name of the map's copy in the home.
    static let mapFile = "database-map.yaml"
}
