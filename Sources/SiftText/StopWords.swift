/// Stop-word lists: frequent function words that carry little meaning for search.
public enum StopWords {
    /// English stop words, lowercased: articles, pronouns, auxiliaries, prepositions,
    /// conjunctions and question words, plus the contraction fragments the
    /// ``Tokenizer`` leaves behind (`s`, `t`, `ll`...).
    public static let english: Set<String> = [
        "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are",
        "aren", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
        "can", "cannot", "could", "couldn", "d", "did", "didn", "do", "does", "doesn", "doing", "don", "down",
        "during", "each", "either", "else", "etc", "ever", "every", "few", "for", "from", "further", "get",
        "gets", "got", "had", "hadn", "has", "hasn", "have", "haven", "having", "he", "her", "here", "hers",
        "herself", "him", "himself", "his", "how", "however", "i", "if", "in", "into", "is", "isn", "it", "its",
        "itself", "just", "let", "ll", "m", "may", "me", "might", "mightn", "more", "most", "must", "mustn", "my",
        "myself", "neither", "no", "nor", "not", "now", "o", "of", "off", "on", "once", "only", "or", "other",
        "ought", "our", "ours", "ourselves", "out", "over", "own", "per", "please", "re", "s", "same", "shall",
        "shan", "she", "should", "shouldn", "so", "some", "such", "t", "than", "that", "the", "their",
        "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "thus",
        "to", "too", "under", "until", "up", "upon", "us", "ve", "very", "via", "was", "wasn", "we", "were",
        "weren", "what", "whats", "when", "where", "whereas", "whether", "which", "while", "who", "whom",
        "whose", "why", "will", "with", "within", "without", "won", "would", "wouldn", "y", "yet", "you",
        "your", "yours", "yourself", "yourselves",
    ]
}
