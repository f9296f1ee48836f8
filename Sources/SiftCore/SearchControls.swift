#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a request may ask of the search itself, besides its question: which sites, how
/// recent, which providers, how many sources, which language. Every API takes them (the
/// stream's URL parameters, the JSON body, the chat endpoint's extra fields, the MCP tools);
/// each is validated here into a typed `bad_request`.
///
/// Web providers get them as their own operators (`site:`, `-site:`, Brave's `freshness`,
/// SearXNG's `time_range`), and the pipeline applies `sites` and `freshness` again to every web
/// result and to the final address of every page read, since an upstream may ignore an operator.
/// Knowledge-base entries are local documents without a site or a date: `sites` and
/// `freshness` leave them alone, and `providers` is how a request leaves them out.
public struct SearchControls: Sendable, Equatable {
    /// A domain to keep results to (`example.com`, which covers its subdomains), or to leave out (`-example.com`).
    public struct Site: Sendable, Equatable {
        public var domain: String
        public var excluded: Bool

        public init(domain: String, excluded: Bool) {
            self.domain = domain
            self.excluded = excluded
        }

        /// `-domain` when excluded.
        public var text: String { excluded ? "-" + domain : domain }
    }

    /// How recent results must be.
    public enum Freshness: Sendable, Equatable {
        case day, week, month, year
        /// Published between two dates, both included (`YYYY-MM-DD`).
        case range(from: String, to: String)

        /// The form requests use: `week`, or `2024-01-01to2024-03-31`.
        public var text: String {
            switch self {
            case .day: "day"
            case .week: "week"
            case .month: "month"
            case .year: "year"
            case .range(let from, let to): "\(from)to\(to)"
            }
        }
    }

    public static let maxSites = 20

    public var sites: [Site]
    public var freshness: Freshness?
    /// The providers to ask, a subset of those configured; nil asks all.
    public var providers: [String]?
    /// Sources to keep, at most the operator's `SIFT_MAX_SOURCES`.
    public var maxSources: Int?
    /// Language of web results (`en`, `pt-br`).
    public var language: String?

    public init(
        sites: [Site] = [], freshness: Freshness? = nil, providers: [String]? = nil, maxSources: Int? = nil,
        language: String? = nil
    ) {
        self.sites = sites
        self.freshness = freshness
        self.providers = providers
        self.maxSources = maxSources
        self.language = language
    }

    /// Whether the request asked nothing of the search.
    public var isEmpty: Bool { self == SearchControls() }

    // MARK: Parsing

    /// Validates raw values as requests send them: `sites` a list of domains (a leading `-`
    /// excludes one), `freshness` a word or a date range, `providers` names, `maxSources` a
    /// whole number, `language` a language code. Nil means not given.
    public init(
        sites: [String]?, freshness: String?, providers: [String]?, maxSources: String?, language: String?
    ) throws(QueryError) {
        self.init()
        if let sites {
            let items = sites.map { $0.trimmingASCIISpaces() }.filter { !$0.isEmpty }
            guard items.count <= Self.maxSites else {
                throw .badRequest("At most \(Self.maxSites) `sites` can be given; \(items.count) were.")
            }
            var seen = Set<String>()
            for item in items {
                let site = try Self.site(item)
                if seen.insert(site.text).inserted { self.sites.append(site) }
            }
        }
        if let freshness, !freshness.isEmpty { self.freshness = try Self.freshness(freshness) }
        if let providers {
            let names = providers.map { $0.trimmingASCIISpaces().lowercased() }.filter { !$0.isEmpty }
            for name in names where name.utf8.count > 32 || !name.utf8.allSatisfy({ Self.isNameByte($0) }) {
                throw .badRequest("The provider name “\(name.prefix(40))” is not valid: use letters, digits, - and _.")
            }
            if !names.isEmpty {
                var seen = Set<String>()
                self.providers = names.filter { seen.insert($0).inserted }
            }
        }
        if let maxSources, !maxSources.isEmpty {
            guard maxSources.utf8.count <= 4, let number = Int(maxSources), number >= 1 else {
                throw .badRequest("`max_sources` must be a whole number from 1, not “\(maxSources.prefix(20))”.")
            }
            self.maxSources = number
        }
        if let language, !language.isEmpty {
            let lower = language.lowercased()
            guard (2...8).contains(lower.utf8.count),
                lower.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == UInt8(ascii: "-") }),
                lower.utf8.first != UInt8(ascii: "-")
            else {
                throw .badRequest("`lang` must be a language code like en or pt-br, not “\(language.prefix(20))”.")
            }
            self.language = lower
        }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "_")
    }

    /// `example.com` or `-example.com`: a host name (letters, digits, hyphens, dots; at least one dot).
    static func site(_ text: String) throws(QueryError) -> Site {
        var domain = Substring(text.lowercased())
        let excluded = domain.hasPrefix("-")
        if excluded { domain = domain.dropFirst() }
        for prefix in ["https://", "http://"] where domain.hasPrefix(prefix) { domain = domain.dropFirst(prefix.count) }
        if domain.hasPrefix("www.") { domain = domain.dropFirst(4) }
        while domain.hasSuffix("/") || domain.hasSuffix(".") { domain = domain.dropLast() }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            labels.count >= 2 && domain.utf8.count <= 253
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                    && label.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == UInt8(ascii: "-") }
            }
        guard valid else {
            throw .badRequest(
                "“\(text.prefix(60))” in `sites` is not a domain: give names like example.com, or -example.com to leave one out.")
        }
        return Site(domain: String(domain), excluded: excluded)
    }

    static func freshness(_ text: String) throws(QueryError) -> Freshness {
        switch text.lowercased() {
        case "day", "pd": return .day
        case "week", "pw": return .week
        case "month", "pm": return .month
        case "year", "py": return .year
        default: break
        }
        let parts = text.lowercased().split(separator: "to", omittingEmptySubsequences: false)
        guard parts.count == 2, let from = CalendarDate(String(parts[0])), let to = CalendarDate(String(parts[1])), from <= to
        else {
            throw .badRequest(
                "`freshness` must be day, week, month, year or a range like 2024-01-01to2024-03-31 (the first date not after the second), not “\(text.prefix(40))”."
            )
        }
        return .range(from: from.text, to: to.text)
    }

    // MARK: Applying

    /// Whether a result at `url` may be kept: web addresses must match `sites`; other schemes
    /// (the knowledge base's `kb://`) are not web results and pass.
    public func allows(url: String) -> Bool {
        guard !sites.isEmpty, let host = Self.host(of: url) else { return true }
        func matches(_ site: Site) -> Bool { host == site.domain || host.hasSuffix("." + site.domain) }
        if sites.contains(where: { $0.excluded && matches($0) }) { return false }
        let included = sites.filter { !$0.excluded }
        return included.isEmpty || included.contains(where: matches)
    }

    /// Whether a result published at `published` may be kept, on `today` (`YYYY-MM-DD`): a date
    /// outside the range is dropped; a result without a readable date is kept (most pages say none).
    public func allows(published: String?, today: String) -> Bool {
        guard let freshness, let published, let date = CalendarDate(String(published.prefix(10))),
            let now = CalendarDate(today)
        else { return true }
        switch freshness {
        case .day: return date.days(to: now) <= 1
        case .week: return date.days(to: now) <= 7
        case .month: return date.days(to: now) <= 31
        case .year: return date.days(to: now) <= 366
        case .range(let from, let to):
            guard let from = CalendarDate(from), let to = CalendarDate(to) else { return true }
            return from <= date && date <= to
        }
    }

    /// The query text with `site:` and `-site:` operators, which Brave and SearXNG's engines read.
    public func withSiteOperators(_ text: String) -> String {
        guard !sites.isEmpty else { return text }
        let included = sites.filter { !$0.excluded }.map { "site:" + $0.domain }
        let excluded = sites.filter(\.excluded).map { "-site:" + $0.domain }
        let either = included.count > 1 ? "(" + included.joined(separator: " OR ") + ")" : included.first
        return ([text] + [either].compactMap { $0 } + excluded).joined(separator: " ")
    }

    /// The lower-cased host of an `http(s)://` address, without `www.`; nil for other schemes.
    static func host(of url: String) -> String? {
        let lower = url.lowercased()
        var rest: Substring
        if lower.hasPrefix("https://") {
            rest = lower.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            rest = lower.dropFirst(7)
        } else {
            return nil
        }
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if let colon = rest.lastIndex(of: ":"), !rest.hasPrefix("[") { rest = rest[..<colon] }
        if rest.hasPrefix("www.") { rest = rest.dropFirst(4) }
        return String(rest)
    }
}

/// A day of the proleptic Gregorian calendar, read from `YYYY-MM-DD`.
public struct CalendarDate: Sendable, Equatable, Comparable {
    public var year: Int
    public var month: Int
    public var day: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...Self.days(inMonth: month, year: year)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// `YYYY-MM-DD`.
    public var text: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Days since 1970-01-01 (Howard Hinnant's civil-from-days algorithm, inverted).
    var ordinal: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Days from this date to `other` (negative when `other` is earlier).
    public func days(to other: CalendarDate) -> Int { other.ordinal - ordinal }

    /// The date `days` after 1970-01-01.
    public init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool { lhs.ordinal < rhs.ordinal }

    /// Today in UTC, from the real-time clock.
    public static func today() -> CalendarDate {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return CalendarDate(daysSinceEpoch: Int(now.tv_sec / 86_400))
    }

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    func trimmingASCIISpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
