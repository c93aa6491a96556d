using System.Net;
using System.Text.RegularExpressions;

namespace CityPass.Server.Tests.Support;

/// <summary>
/// A browser at the admin console, without the browser: it keeps the cookies, and posts forms the
/// way a page does, with the antiforgery token read from the page it would be on.
/// </summary>
public sealed partial class ConsoleClient(HttpClient http, CookieContainer cookies)
{
    public HttpClient Http => http;

    /// <summary>Its cookie jar: another console client given the same jar is the same browser (e.g. at another replica).</summary>
    public CookieContainer Cookies => cookies;

    /// <summary>Opens <paramref name="pageUrl"/> and posts its form (to <paramref name="handler"/>, if named) with the page's antiforgery token.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string pageUrl, string? handler, params (string Name, string Value)[] fields)
    {
        var token = await TokenAsync(pageUrl);
        var url = handler is null ? pageUrl : HandlerUrl(pageUrl, handler);
        var form = new FormUrlEncodedContent([.. fields.Select(f => KeyValuePair.Create(f.Name, f.Value)), KeyValuePair.Create("__RequestVerificationToken", token)]);
        return await http.PostAsync(url, form);
    }

    /// <summary>
    /// Opens <paramref name="pageUrl"/> and posts a file to <paramref name="handler"/> as a form without script does:
    /// multipart, the file under <paramref name="field"/> and the page's antiforgery token as a form field.
    /// </summary>
    public async Task<HttpResponseMessage> PostFileAsync(string pageUrl, string handler, string field, string fileName, byte[] content, string contentType)
    {
        var token = await TokenAsync(pageUrl);
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        var form = new MultipartFormDataContent { { new StringContent(token), "__RequestVerificationToken" }, { file, field, fileName } };
        return await http.PostAsync(HandlerUrl(pageUrl, handler), form);
    }

    /// <summary>
    /// Opens <paramref name="pageUrl"/> and posts <paramref name="body"/> as the whole request body to <paramref name="handler"/>,
    /// as a page's script does, with the page's antiforgery token in the header ASP.NET Core reads it from.
    /// </summary>
    public async Task<HttpResponseMessage> PostBodyAsync(string pageUrl, string handler, HttpContent body)
    {
        var token = await TokenAsync(pageUrl);
        var request = new HttpRequestMessage(HttpMethod.Post, HandlerUrl(pageUrl, handler)) { Content = body };
        request.Headers.Add("RequestVerificationToken", token);
        return await http.SendAsync(request);
    }

    private async Task<string> TokenAsync(string pageUrl)
    {
        var page = await http.GetAsync(pageUrl);
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"GET {pageUrl} answered {page.StatusCode}");
        var token = AntiforgeryToken().Match(await page.Content.ReadAsStringAsync());
        Assert.True(token.Success, $"{pageUrl} has no form with an antiforgery token");
        return WebUtility.HtmlDecode(token.Groups[1].Value);
    }

    private static string HandlerUrl(string pageUrl, string handler) => pageUrl + (pageUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "handler=" + handler;

    public async Task<HttpResponseMessage> SignInAsync(string username, string password) =>
        await PostFormAsync("/admin/signin", null, ("username", username), ("password", password));

    [GeneratedRegex(@"name=""__RequestVerificationToken""[^>]*value=""([^""]+)""")]
    private static partial Regex AntiforgeryToken();
}
