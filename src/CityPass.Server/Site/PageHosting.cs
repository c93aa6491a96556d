using CityPass.Server.Admin;
using Microsoft.Extensions.FileProviders;

namespace CityPass.Server.Site;

/// <summary>
/// Serves what people see: the static H5 pages in wwwroot (citizen, gate simulator, public
/// occupancy), the console's npm libraries, and the security headers every page gets.
/// </summary>
public static class PageHosting
{
    /// <summary>Paths that are pages (not the API): they get the strict Content-Security-Policy.</summary>
    private static readonly string[] PagePaths = ["/citizen", "/gate", "/public", "/admin", "/lib", "/site"];

    // Scripts and styles come from this origin only, never inline: data rendered into a page (names
    // are user data) can't become code even if escaping were missed somewhere. blob: is the QR image.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>npm packages' folders served under /lib (see package.json; installed by the build).</summary>
    private static readonly (string RequestPath, string Folder)[] Libraries =
    [
        ("/lib/htmx", "node_modules/htmx.org/dist"),
        ("/lib/chart.js", "node_modules/chart.js/dist"),
    ];

    public static WebApplication UseCityPassPages(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var path = context.Request.Path;
            if (path == "/" || PagePaths.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
            }
            return next(context);
        });
        // The console shows its own page for 404 (another venue's pages) and other errors; the API keeps ProblemDetails.
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase),
            console => console.UseConsoleStatusPages());

        // /citizen -> /citizen/ -> /citizen/index.html: clean URLs for the static pages.
        app.UseDefaultFiles();
        app.UseStaticFiles();
        foreach (var (requestPath, folder) in Libraries)
        {
            var full = Path.Combine(app.Environment.ContentRootPath, folder);
            if (!Directory.Exists(full))
            {
                app.Logger.LogWarning("Console library folder {Folder} is missing: run `npm ci` in the server project (the build does it)", folder);
                continue;
            }
            app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(full), RequestPath = requestPath });
        }
        return app;
    }
}
