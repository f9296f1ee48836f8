// Text processing for Sift: query analysis, tokenizing, passage splitting, ranking, synthesis.
import SiftCore
