package models

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/frequency"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// Role is what an account may do.
type Role string

// Roles.
const (
	RoleStudent    Role = "student"
	RoleInstructor Role = "instructor"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// Roles lists every role.
var Roles = []Role{RoleStudent, RoleInstructor, RoleSupervisor, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Title names the role for people.
func (r Role) Title() string {
	switch r {
	case RoleStudent:
		return "Student"
	case RoleInstructor:
		return "Instructor"
	case RoleSupervisor:
		return "Practicum supervisor"
	case RoleAdmin:
		return "Administrator"
	}
	return string(r)
}

// User is an account.
type User struct {
	ID                int64
	Email             string
	Name              string
	Role              Role
	PasswordHash      string `json:"-"`
	Disabled          bool
	PasswordChangedAt time.Time
	LastLoginAt       *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Is reports whether the user has one of the roles.
func (u *User) Is(roles ...Role) bool {
	for _, r := range roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

// BcryptCost is the bcrypt work factor (tests lower it).
var BcryptCost = bcrypt.DefaultCost

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

var commonPasswords = func() map[string]bool {
	m := make(map[string]bool, 32000)
	for _, p := range frequency.FrequencyLists["passwords"] {
		m[p] = true
	}
	return m
}()

// CheckPassword applies the password policy: at least 10 characters, not a
// common password (the 30,000 most common, also with digits or symbols
// tacked on the end), not the e-mail or name.
func CheckPassword(pw, email, name string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return Invalid("password", fmt.Sprintf("use at least %d characters", MinPasswordLength))
	}
	if utf8.RuneCountInString(pw) > 200 {
		return Invalid("password", "use at most 200 characters")
	}
	lower := strings.ToLower(pw)
	core := strings.TrimRight(lower, "0123456789!@#$%^&*.?-_ ")
	core = strings.TrimLeft(core, "0123456789!@#$%^&*.?-_ ")
	if commonPasswords[lower] || commonPasswords[core] || isRepetitive(lower) {
		return Invalid("password", "this password is too common or too easy to guess; choose another")
	}
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	if len(local) >= 4 && strings.Contains(lower, local) {
		return Invalid("password", "do not use your e-mail address in your password")
	}
	for _, part := range strings.Fields(strings.ToLower(name)) {
		if len(part) >= 4 && core == part {
			return Invalid("password", "do not use your name as your password")
		}
	}
	return nil
}

// isRepetitive catches "aaaaaaaaaa" and "abababababab".
func isRepetitive(s string) bool {
	for n := 1; n <= 3 && n < len(s); n++ {
		if strings.Repeat(s[:n], len(s)/n+1)[:len(s)] == s {
			return true
		}
	}
	return false
}

// HashPassword hashes with bcrypt.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), BcryptCost)
	return string(h), err
}

// dummyHash is compared against when an e-mail is unknown, so that the time
// taken does not reveal whether an account exists.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("chartroom-no-such-account"), bcrypt.DefaultCost)

// PasswordMatches compares in constant time for a known hash; for an
// unknown account pass "" and it burns the same time and fails.
func PasswordMatches(hash, pw string) bool {
	if hash == "" {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(pw))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// NormalizeEmail lowercases and trims an address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NewUser is what it takes to create an account.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Password string
}

// checkEmail is the one rule for an address (registration, accounts made
// by an admin or the command line, and profile changes): a plain
// name@domain with a dot in it, already normalised.
func checkEmail(v *ValidationError, email string) {
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || !strings.Contains(email, ".") {
		v.Add("email", "enter an e-mail address such as name@example.edu")
	}
}

func checkName(v *ValidationError, name string) {
	if name == "" || utf8.RuneCountInString(name) > 100 {
		v.Add("name", "enter your name (up to 100 characters)")
	}
}

func (n *NewUser) validate() error {
	v := &ValidationError{}
	n.Email = NormalizeEmail(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	checkEmail(v, n.Email)
	checkName(v, n.Name)
	if !n.Role.Valid() {
		v.Add("role", "choose a role")
	}
	if err := CheckPassword(n.Password, n.Email, n.Name); err != nil {
		v.Add("password", err.(*ValidationError).Fields["password"])
	}
	return v.Err()
}

// CreateUser validates and inserts an account inside tx (so callers can add
// the audit row and memberships in the same transaction).
func CreateUser(tx *gorm.DB, n NewUser) (*User, error) {
	if err := n.validate(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	u := &User{Email: n.Email, Name: n.Name, Role: n.Role, PasswordHash: hash, PasswordChangedAt: now}
	if err := tx.Create(u).Error; err != nil {
		if isDuplicate(err) {
			return nil, Invalid("email", "an account with this e-mail already exists")
		}
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UserByID loads an account.
func (db *DB) UserByID(ctx context.Context, id int64) (*User, error) {
	var u User
	if err := db.R.WithContext(ctx).First(&u, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// UserByEmail loads an account by (normalised) e-mail.
func (db *DB) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	if err := db.R.WithContext(ctx).Where("email = ?", NormalizeEmail(email)).First(&u).Error; err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// CountUsers counts accounts, optionally of one role.
func (db *DB) CountUsers(ctx context.Context, role Role) (int64, error) {
	q := db.R.WithContext(ctx).Model(&User{})
	if role != "" {
		q = q.Where("role = ?", role)
	}
	var n int64
	return n, q.Count(&n).Error
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	Q        string
	Role     Role
	Disabled *bool
	Page     int
	PerPage  int
}

// ListUsers searches accounts by name or e-mail.
func (db *DB) ListUsers(ctx context.Context, f UserFilter) ([]User, int64, error) {
	q := db.R.WithContext(ctx).Model(&User{})
	if s := strings.TrimSpace(f.Q); s != "" {
		like := "%" + strings.ToLower(escapeLike(s)) + "%"
		q = q.Where("(LOWER(name) LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\')", like, like)
	}
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	if f.Disabled != nil {
		q = q.Where("disabled = ?", *f.Disabled)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	per := f.PerPage
	if per <= 0 {
		per = 50
	}
	page := max(f.Page, 1)
	var out []User
	err := q.Order("name, id").Limit(per).Offset((page - 1) * per).Find(&out).Error
	return out, total, err
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// UsersByRole lists the accounts of one role, enabled ones only.
func (db *DB) UsersByRole(ctx context.Context, role Role) ([]User, error) {
	var out []User
	err := db.R.WithContext(ctx).Where("role = ? AND disabled = ?", role, false).Order("name, id").Find(&out).Error
	return out, err
}

// SetRole changes an account's role and audits it.
func (db *DB) SetRole(ctx context.Context, actor Actor, userID int64, role Role) error {
	defer db.ForgetSessions()
	if !role.Valid() {
		return Invalid("role", "choose a role")
	}
	return db.Write(ctx, func(tx *gorm.DB) error {
		var u User
		if err := tx.First(&u, userID).Error; err != nil {
			return notFound(err)
		}
		if u.Role == role {
			return nil
		}
		if u.ID == actor.ID && role != RoleAdmin {
			return Invalid("role", "you cannot remove your own administrator role")
		}
		old := u.Role // Updates below writes the new role into u
		if err := tx.Model(&u).Updates(map[string]any{"role": role, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		return Audit(tx, actor, "user.role", "user", u.ID, fmt.Sprintf("%s: %s -> %s", u.Email, old, role))
	})
}

// SetDisabled disables or enables an account; disabling revokes its sessions.
func (db *DB) SetDisabled(ctx context.Context, actor Actor, userID int64, disabled bool) error {
	defer db.ForgetSessions()
	return db.Write(ctx, func(tx *gorm.DB) error {
		var u User
		if err := tx.First(&u, userID).Error; err != nil {
			return notFound(err)
		}
		if u.ID == actor.ID && disabled {
			return Invalid("disabled", "you cannot disable your own account")
		}
		if u.Disabled == disabled {
			return nil
		}
		if err := tx.Model(&u).Updates(map[string]any{"disabled": disabled, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		action := "user.enable"
		if disabled {
			action = "user.disable"
			if err := tx.Where("user_id = ?", u.ID).Delete(&Session{}).Error; err != nil {
				return err
			}
		}
		return Audit(tx, actor, action, "user", u.ID, u.Email)
	})
}

// UpdateProfile changes name and e-mail; a new e-mail is audited (the
// caller has confirmed the password first).
func (db *DB) UpdateProfile(ctx context.Context, actor Actor, userID int64, name, email string) error {
	v := &ValidationError{}
	name, email = strings.TrimSpace(name), NormalizeEmail(email)
	checkName(v, name)
	checkEmail(v, email)
	if err := v.Err(); err != nil {
		return err
	}
	defer db.ForgetSessions()
	return db.Write(ctx, func(tx *gorm.DB) error {
		var u User
		if err := tx.First(&u, userID).Error; err != nil {
			return notFound(err)
		}
		err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{"name": name, "email": email, "updated_at": time.Now().UTC()}).Error
		if isDuplicate(err) {
			return Invalid("email", "another account uses this e-mail")
		}
		if err != nil || u.Email == email {
			return err
		}
		return Audit(tx, actor, "user.email_changed", "user", userID, u.Email+" -> "+email)
	})
}

// SetPassword replaces an account's password and revokes every session of
// the account except keepSession (the one that made the change, which the
// caller rotates). It is audited as action.
func SetPassword(tx *gorm.DB, actor Actor, u *User, pw, keepSession, action string) error {
	if err := CheckPassword(pw, u.Email, u.Name); err != nil {
		return err
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	if err := tx.Model(&User{}).Where("id = ?", u.ID).Updates(map[string]any{"password_hash": hash, "password_changed_at": now, "updated_at": now}).Error; err != nil {
		return err
	}
	if err := tx.Where("user_id = ? AND id <> ?", u.ID, keepSession).Delete(&Session{}).Error; err != nil {
		return err
	}
	if err := tx.Where("key = ?", throttleKey(u.Email)).Delete(&loginThrottle{}).Error; err != nil {
		return err
	}
	return Audit(tx, actor, action, "user", u.ID, u.Email)
}

// CreateUserCLI creates an account from the command line, audited.
func CreateUserCLI(ctx context.Context, db *DB, n NewUser) (*User, error) {
	var u *User
	err := db.Write(ctx, func(tx *gorm.DB) error {
		var err error
		if u, err = CreateUser(tx, n); err != nil {
			return err
		}
		return Audit(tx, Actor{Email: "cli"}, "user.create", "user", u.ID, fmt.Sprintf("%s as %s (command line)", u.Email, u.Role))
	})
	return u, err
}
