using System.Globalization;

namespace CityPass.Core.Citizens;

/// <summary>
/// Masks a name for gate displays: enough for a guard to match a face to a pass, not enough to
/// learn who passed. Chinese names keep the first and last character (张*三, 欧**明, 张*);
/// space-separated names keep each part's first letter (J*** S****).
/// </summary>
public static class NameMasking
{
    public static string Mask(string? fullName)
    {
        if (string.IsNullOrWhiteSpace(fullName)) return "*";
        var name = fullName.Trim();
        return name.Contains(' ', StringComparison.Ordinal) ? MaskWords(name) : MaskSingle(name);
    }

    private static string MaskWords(string name)
    {
        var parts = name.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', parts.Select(part =>
        {
            var elements = TextElements(part);
            return elements[0] + new string('*', elements.Count - 1);
        }));
    }

    private static string MaskSingle(string name)
    {
        var elements = TextElements(name);
        return elements.Count switch
        {
            1 => "*",
            2 => elements[0] + "*",
            _ => elements[0] + new string('*', elements.Count - 2) + elements[^1],
        };
    }

    // Text elements, not chars: a rare surname outside the BMP is one character to a reader.
    private static List<string> TextElements(string text)
    {
        var list = new List<string>(text.Length);
        var e = StringInfo.GetTextElementEnumerator(text);
        while (e.MoveNext()) list.Add((string)e.Current);
        return list;
    }
}
