using System.Text;

namespace CityPass.Server.Authority;

/// <summary>
/// A streaming RFC 4180 reader: quoted fields, doubled quotes, commas and line breaks inside quotes.
/// A record longer than <see cref="MaxRecordChars"/> is an error, so a hostile file cannot make us
/// buffer it whole.
/// </summary>
public sealed class CsvReader(TextReader reader)
{
    public const int MaxRecordChars = 4096;
    private readonly StringBuilder _field = new();

    /// <summary>The line the last record started on (1-based).</summary>
    public long RecordLine { get; private set; }

    private long _line = 1;

    /// <summary>The next record's fields; null at the end. Throws <see cref="FormatException"/> on a malformed or overlong record.</summary>
    public async Task<List<string>?> ReadRecordAsync(CancellationToken ct)
    {
        var fields = new List<string>();
        _field.Clear();
        var inQuotes = false;
        var length = 0;
        var any = false;
        RecordLine = _line;
        var buffer = new char[1];
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var read = await reader.ReadAsync(buffer.AsMemory(0, 1), ct);
            if (read == 0)
            {
                if (inQuotes) throw new FormatException($"Line {RecordLine}: a quoted field is not closed.");
                if (!any) return null;
                fields.Add(_field.ToString());
                return fields;
            }
            var c = buffer[0];
            any = true;
            if (++length > MaxRecordChars) throw new FormatException($"Line {RecordLine}: a record is longer than {MaxRecordChars} characters.");
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        await reader.ReadAsync(buffer.AsMemory(0, 1), ct);
                        _field.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (c == '\n') _line++;
                    _field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when _field.Length == 0:
                    inQuotes = true;
                    break;
                case ',':
                    fields.Add(_field.ToString());
                    _field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    _line++;
                    fields.Add(_field.ToString());
                    return fields;
                default:
                    _field.Append(c);
                    break;
            }
        }
    }
}
