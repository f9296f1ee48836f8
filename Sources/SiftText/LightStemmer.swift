/// A light English stemmer for matching a question's words against a source's: plural and
/// possessive endings only ("lions" → "lion", "geese" → "goose", "wolves" → "wolf",
/// "countries" → "country"), so that a subject matches its own inflections without the
/// over-reach of a full stemmer ("news" stays "news", "glass" stays "glass").
public enum LightStemmer {
    /// Irregular English plurals and their singulars.
    static let irregular: [String: String] = [
        "geese": "goose", "mice": "mouse", "lice": "louse", "oxen": "ox", "children": "child", "men": "man",
        "women": "woman", "feet": "foot", "teeth": "tooth", "people": "person", "dice": "die", "calves": "calf",
        "halves": "half", "wolves": "wolf", "knives": "knife", "wives": "wife", "lives": "life", "leaves": "leaf",
        "loaves": "loaf", "elves": "elf", "shelves": "shelf", "thieves": "thief", "hooves": "hoof",
        "cacti": "cactus", "fungi": "fungus", "larvae": "larva", "bacteria": "bacterium", "criteria": "criterion",
        "phenomena": "phenomenon", "indices": "index", "matrices": "matrix",
    ]

    /// `word` (lowercased) without its plural ending.
    public static func stem(_ word: String) -> String {
        if let singular = irregular[word] { return singular }
        let count = word.count
        guard count > 3 else { return word }
        if word.hasSuffix("ies") && count > 4 { return String(word.dropLast(3)) + "y" }
        if word.hasSuffix("sses") || word.hasSuffix("shes") || word.hasSuffix("ches") || word.hasSuffix("xes")
            || word.hasSuffix("zes")
        {
            return String(word.dropLast(2))
        }
        if word.hasSuffix("ss") || word.hasSuffix("us") || word.hasSuffix("is") || word.hasSuffix("ous") {
            return word
        }
        if word.hasSuffix("s") { return String(word.dropLast()) }
        return word
    }

    /// Each of `words` stemmed.
    public static func stems(_ words: [String]) -> [String] {
        words.map(stem)
    }
}
