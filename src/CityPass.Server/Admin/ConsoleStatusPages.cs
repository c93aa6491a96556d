using System.Net;

namespace CityPass.Server.Admin;

/// <summary>
/// The console's answer for an error status with no body (another venue's page is a 404, a form
/// without its antiforgery token a 400): a small HTML page in the console's look, with the status
/// code kept. The API keeps its ProblemDetails. Written directly rather than re-executed: a branch
/// of the pipeline can't route to a Razor page again.
/// </summary>
public static class ConsoleStatusPages
{
    public static IApplicationBuilder UseConsoleStatusPages(this IApplicationBuilder app) => app.UseStatusCodePages(async context =>
    {
        var response = context.HttpContext.Response;
        var (heading, explanation) = response.StatusCode switch
        {
            404 => ("Not found", "There is no such page, or it belongs to a venue you do not manage."),
            403 => ("Not allowed", "Your role may not do this."),
            400 => ("Not accepted", "The form was stale or incomplete: go back, reload the page and try again."),
            429 => ("Too many attempts", "Wait a minute and try again."),
            _ => ("Something went wrong", "Try again; if it keeps happening, tell the city's administrators."),
        };
        response.ContentType = "text/html; charset=utf-8";
        await response.WriteAsync($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{heading}} · CityPass console</title><link rel="icon" href="/site/icon.svg" type="image/svg+xml"><link rel="stylesheet" href="/site/console.css"></head>
            <body>
            <header class="top"><a class="brand" href="/admin">CityPass <span lang="zh">一码通城</span> console</a></header>
            <main><section class="card"><h1>{{heading}}</h1><p>{{WebUtility.HtmlEncode(explanation)}}</p><p><a href="/admin">Back to the venues</a></p></section></main>
            </body>
            </html>
            """, context.HttpContext.RequestAborted);
    });
}
