package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"chartroom/codes"
	"chartroom/models"
)

// codeSetChoice picks the system and year a lookup is about: the query's,
// or the newest active set of the system.
func (a *App) codeSetChoice(c *gin.Context, system string) (string, int, []models.CodeSet, error) {
	sets, err := a.db.ActiveSets(c.Request.Context())
	if err != nil {
		return "", 0, nil, err
	}
	if system == "" {
		system = codes.ICD10CM
	}
	year, _ := strconv.Atoi(c.Query("year"))
	if year == 0 {
		for _, s := range sets {
			if s.System == system && s.Year > year {
				year = s.Year
			}
		}
	}
	return system, year, sets, nil
}

// codeRow is a search result or a relative on a code page.
type codeRow struct {
	codes.Entry
	Display string
	URL     string
}

func rows(system string, year int, es []codes.Entry) []codeRow {
	out := make([]codeRow, len(es))
	for i, e := range es {
		out[i] = codeRow{Entry: e, Display: codes.Display(system, e.Code), URL: fmt.Sprintf("/codes/%s/%s?year=%d", system, codes.Display(system, e.Code), year)}
	}
	return out
}

func (a *App) codeLookup(c *gin.Context) {
	system, year, sets, err := a.codeSetChoice(c, c.Query("system"))
	if err != nil {
		a.fail(c, err)
		return
	}
	q := strings.TrimSpace(c.Query("q"))
	data := D{"Title": "Code lookup", "Q": q, "System": system, "Year": year, "Sets": sets}
	ix, set, err := a.db.CodeIndex(c.Request.Context(), system, year)
	switch {
	case errors.Is(err, models.ErrNotFound):
		data["NoSet"] = true
	case err != nil:
		a.fail(c, err)
		return
	default:
		data["Set"] = set
		if q != "" {
			data["Results"] = rows(system, year, ix.Search(q, 100))
		}
	}
	a.render(c, http.StatusOK, "codes", data)
}

func (a *App) codePage(c *gin.Context) {
	system := c.Param("system")
	if system != codes.ICD10CM && system != codes.ICD10PCS && system != codes.HCPCS {
		a.fail(c, models.ErrNotFound)
		return
	}
	system, year, _, err := a.codeSetChoice(c, system)
	if err != nil {
		a.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	ix, set, err := a.db.CodeIndex(ctx, system, year)
	if err != nil {
		a.fail(c, err)
		return
	}
	e, ok := ix.Lookup(c.Param("code"))
	if !ok {
		a.renderErrorMsg(c, http.StatusNotFound, fmt.Sprintf("%s is not a code in %s.", strings.ToUpper(c.Param("code")), set.Title()))
		return
	}
	years, err := a.db.CodeYears(ctx, system, e.Code)
	if err != nil {
		a.fail(c, err)
		return
	}
	data := D{"Title": codes.Display(system, e.Code), "Code": rows(system, year, []codes.Entry{e})[0], "Set": set, "System": system,
		"Parents": rows(system, year, ix.Parents(e.Code)), "Children": rows(system, year, ix.Children(e.Code)), "Years": years}
	if system == codes.ICD10CM {
		data["Chapter"] = codes.ChapterOf(e.Code)
	}
	if system == codes.ICD10PCS {
		data["Section"] = codes.PCSSections[e.Code[0]]
	}
	a.render(c, http.StatusOK, "code", data)
}

func (a *App) codeChanges(c *gin.Context) {
	system := c.DefaultQuery("system", codes.ICD10CM)
	from, _ := strconv.Atoi(c.Query("from"))
	to, _ := strconv.Atoi(c.Query("to"))
	ctx := c.Request.Context()
	sets, err := a.db.ActiveSets(ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	var years []int
	for _, s := range sets {
		if s.System == system {
			years = append(years, s.Year)
		}
	}
	data := D{"Title": "Annual update", "System": system, "Years": years, "From": from, "To": to, "Sets": sets}
	if from == 0 && to == 0 && len(years) >= 2 {
		to, from = years[0], years[1]
		data["From"], data["To"] = from, to
	}
	if from != 0 && to != 0 {
		diff, fa, fb, err := a.db.CodeDiff(ctx, system, from, to)
		if errors.Is(err, models.ErrNotFound) {
			data["Missing"] = true
		} else if err != nil {
			a.fail(c, err)
			return
		} else {
			var add, del, rev []codes.Change
			for _, ch := range diff {
				switch ch.Kind {
				case codes.Added:
					add = append(add, ch)
				case codes.Deleted:
					del = append(del, ch)
				case codes.Revised:
					rev = append(rev, ch)
				}
			}
			data["Added"], data["Deleted"], data["Revised"], data["FromSet"], data["ToSet"] = add, del, rev, fa, fb
			if fa.Subset || fb.Subset {
				data["PartialWarning"] = true
			}
		}
	}
	a.render(c, http.StatusOK, "code_changes", data)
}

// Admin: code-set imports in the browser.

const maxUpload = 40 << 20

func (a *App) adminCodes(c *gin.Context) {
	ctx := c.Request.Context()
	sets, err := a.db.ActiveSets(ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	jobs, err := a.db.ImportJobs(ctx, 10)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "admin_codes", D{"Title": "Code sets", "Sets": sets, "Jobs": jobs, "Error": c.Query("error")})
}

// adminImportCodes validates the uploaded file at once (a bad line is
// reported on the spot, nothing stored) and imports it in the background,
// with progress on the job's page.
func (a *App) adminImportCodes(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxUpload)
	fh, err := c.FormFile("file")
	if err != nil {
		a.flash(c, "error", "Choose a CMS code-set file to upload (at most 40 MB).")
		redirect(c, "/admin/codes")
		return
	}
	f, err := fh.Open()
	if err != nil {
		a.fail(c, err)
		return
	}
	defer f.Close()
	year, _ := strconv.Atoi(c.PostForm("year"))
	parsed, err := codes.ReadFile(fh.Filename, f, c.PostForm("system"), year)
	if err != nil {
		a.flash(c, "error", fmt.Sprintf("%s was not imported: %v. Nothing was changed.", fh.Filename, err))
		redirect(c, "/admin/codes")
		return
	}
	act := actor(c)
	job, err := a.db.StartImportJob(c.Request.Context(), act, "codes", fh.Filename)
	if err != nil {
		a.fail(c, err)
		return
	}
	go a.runCodeImport(job.ID, act, parsed)
	redirect(c, fmt.Sprintf("/admin/codes/jobs/%d", job.ID))
}

func (a *App) runCodeImport(jobID int64, act models.Actor, f *codes.File) {
	ctx := context.Background()
	total := len(f.Entries)
	res, err := a.db.ImportCodeSet(ctx, act, models.ImportInput{System: f.System, Year: f.Year, Release: f.Release, Source: f.Name,
		Sha256: f.Sha256, Entries: f.Entries}, func(done, total int) {
		if err := a.db.UpdateImportJob(ctx, jobID, "running", done, total, ""); err != nil {
			a.log.Warn("import progress", "err", err)
		}
	})
	if err != nil {
		a.log.Error("code import failed", "job", jobID, "err", err)
		a.db.UpdateImportJob(ctx, jobID, "failed", 0, total, "The import failed and nothing was changed: "+err.Error())
		return
	}
	msg := fmt.Sprintf("Imported %s: %d codes, %d billable.", res.Set.Title(), res.Set.Codes, res.Set.Billable)
	if res.Same {
		msg = res.Set.Title() + " was already imported from this very file; nothing changed."
	} else if res.Replaced != nil {
		msg += " It replaces the earlier import of the same year."
	}
	a.db.UpdateImportJob(ctx, jobID, "done", total, total, msg)
}

func (a *App) adminCodeJob(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		a.fail(c, err)
		return
	}
	j, err := a.db.ImportJobByID(c.Request.Context(), id)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "admin_code_job", D{"Title": "Import " + j.FileName, "Job": j, "Running": j.Status == "running"})
}
