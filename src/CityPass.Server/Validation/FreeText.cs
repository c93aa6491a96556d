using System.Globalization;

namespace CityPass.Server.Validation;

/// <summary>
/// Free text that staff type and that ends up in the audit log, the console and CSV exports (a
/// reason, a case reference). Only printable text is accepted: no control characters (a NUL or a
/// newline forges lines in logs and exports), no invisible format characters (a right-to-left
/// override makes an audit entry read differently than it is stored), no unpaired surrogates.
/// </summary>
public static class FreeText
{
    /// <summary>
    /// Null when <paramref name="text"/> is 1 to <paramref name="maxLength"/> printable characters
    /// (after trimming); otherwise the message that says what is wrong.
    /// </summary>
    public static string? Check(string? text, int maxLength, string what)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > maxLength) return $"{what} of 1 to {maxLength} characters is required.";
        return IsPrintable(trimmed) ? null : $"{what} may hold only printable characters (no control or invisible formatting characters).";
    }

    public static bool IsPrintable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1])) return false;
                if (!IsPrintableCategory(CharUnicodeInfo.GetUnicodeCategory(text, i))) return false;
                i++;
                continue;
            }
            if (!IsPrintableCategory(CharUnicodeInfo.GetUnicodeCategory(c))) return false;
        }
        return true;
    }

    private static bool IsPrintableCategory(UnicodeCategory category) => category is not (
        UnicodeCategory.Control
        or UnicodeCategory.Format
        or UnicodeCategory.Surrogate
        or UnicodeCategory.PrivateUse
        or UnicodeCategory.OtherNotAssigned
        or UnicodeCategory.LineSeparator
        or UnicodeCategory.ParagraphSeparator);
}
