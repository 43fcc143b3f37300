package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// practicum is a student's own practicum: placements (hour logs and
// sign-offs hang off them).
func (a *App) practicum(c *gin.Context) {
	ps, err := a.db.PlacementsFor(c.Request.Context(), currentUser(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "practicum", D{"Title": "Practicum", "Placements": ps})
}

// supervise lists a supervisor's students.
func (a *App) supervise(c *gin.Context) {
	ps, err := a.db.PlacementsFor(c.Request.Context(), currentUser(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "supervise", D{"Title": "Your practicum students", "Placements": ps})
}
